using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// A bf16 weight [n, k] laid out for batch-1 products, so a product reads it as one sequential stream: groups of
/// four rows, each group a run of 32-column blocks, each block the four rows' 32 values (256 bytes). Within a
/// row's block, 32-bit lane i holds column i in its low half and column 16 + i in its high half, so a shift and
/// a mask widen the lane to two exact fp32 weights that meet contiguous slices of A. Rows and columns past the
/// matrix are zero.
/// </summary>
public sealed class Bf16Panels
{
    /// <summary>Columns per block; a row's block is one 64-byte load.</summary>
    public const int BlockColumns = 32;

    /// <summary>Rows per group, read side by side.</summary>
    public const int GroupRows = 4;

    private Bf16Panels(int rows, int columns)
    {
        Rows = rows;
        Columns = columns;
        PaddedColumns = (columns + BlockColumns - 1) / BlockColumns * BlockColumns;
        Groups = (rows + GroupRows - 1) / GroupRows;
        Data = GC.AllocateArray<ushort>(Groups * GroupRows * PaddedColumns, pinned: true);
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>Columns rounded up to whole blocks.</summary>
    public int PaddedColumns { get; }

    public int Groups { get; }

    /// <summary>The panels (pinned, so their address never changes).</summary>
    internal ushort[] Data { get; }

    /// <summary>Bytes a product reads.</summary>
    public long Bytes => Data.LongLength * sizeof(ushort);

    /// <summary>
    /// Panels of <paramref name="weight"/> [rows, columns] when every value is exactly a bf16 (so nothing is
    /// rounded), else null.
    /// </summary>
    public static Bf16Panels? TryCreate(ReadOnlySpan<float> weight, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (weight.Length != (long)rows * columns)
        {
            throw new ArgumentException($"weight holds {weight.Length} values, not {rows}x{columns}", nameof(weight));
        }

        var bits = MemoryMarshal.Cast<float, uint>(weight);
        if (!AllLowHalvesZero(bits))
        {
            return null;
        }

        var panels = new Bf16Panels(rows, columns);
        var data = panels.Data.AsSpan();
        for (var r = 0; r < rows; r++)
        {
            var row = bits.Slice(r * columns, columns);
            for (var c = 0; c < columns; c++)
            {
                data[(int)panels.Offset(r, c)] = (ushort)(row[c] >> 16);
            }
        }

        return panels;
    }

    /// <summary>The widened value at [row, column].</summary>
    public float this[int row, int column]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Rows, nameof(row));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)column, (uint)Columns, nameof(column));
            return BitConverter.UInt32BitsToSingle((uint)Data[Offset(row, column)] << 16);
        }
    }

    private long Offset(int row, int column)
    {
        int group = row / GroupRows, inGroup = row % GroupRows, block = column / BlockColumns, inBlock = column % BlockColumns;
        var lane = inBlock % 16;
        var high = inBlock / 16;
        return ((((long)group * (PaddedColumns / BlockColumns)) + block) * GroupRows * BlockColumns)
            + (inGroup * BlockColumns) + (2 * lane) + high;
    }

    private static bool AllLowHalvesZero(ReadOnlySpan<uint> bits)
    {
        var i = 0;
        var any = Vector256<uint>.Zero;
        ref var start = ref MemoryMarshal.GetReference(bits);
        for (; i + 8 <= bits.Length; i += 8)
        {
            any |= Vector256.LoadUnsafe(ref start, (nuint)i);
        }

        var low = (any & Vector256.Create(0xFFFFu)) != Vector256<uint>.Zero;
        for (; i < bits.Length && !low; i++)
        {
            low = (bits[i] & 0xFFFF) != 0;
        }

        return !low;
    }
}
