using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// A bf16 matrix [rows, columns] in one pinned buffer, rows in order. Products read it with fp32 accumulation,
/// widening each value exactly in registers, so a product with it gives the same bits as the same product with
/// its fp32 widening: only the bytes read are halved.
/// </summary>
/// <remarks>
/// Within a row, each whole block of 2·W columns (W = Vector&lt;float&gt;.Count, 8 with 256-bit vectors) stores
/// columns i and W + i side by side as 32-bit lane i: one vector load then yields columns [0, W) by a 16-bit
/// shift and [W, 2W) by a mask, in the order the fp32 kernels sum them. Columns past the last whole block are
/// stored plainly. Rows go in groups of four, block by block, so the four-row dots of decode read one
/// sequential stream (rows of their own, 2 KB apart, defeated the hardware prefetcher: half the bytes of fp32
/// took nearly as long).
/// </remarks>
public sealed class Bf16Matrix
{
    /// <summary>A zero matrix to be filled with <see cref="SetRows"/>.</summary>
    public Bf16Matrix(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        Rows = rows;
        Columns = columns;
        PairedColumns = PairedFor(columns);
        // Pinned: the kernels hold raw pointers across threads, and the address never changes.
        Data = GC.AllocateArray<ushort>(checked((rows + GroupRows - 1) / GroupRows * GroupRows * columns), pinned: true);
    }

    /// <summary>Rows interleaved block by block, so a four-row dot reads one sequential stream.</summary>
    internal const int GroupRows = 4;

    /// <summary>W, the lane count of the paired layout (0: plain rows, for vectors under 8 lanes).</summary>
    internal static int Pairing { get; } = Vector<float>.Count >= 8 ? Vector<float>.Count : 0;

    public int Rows { get; }

    /// <summary>Columns of a row of <paramref name="columns"/> stored in paired blocks.</summary>
    internal static int PairedFor(int columns) => Pairing == 0 ? 0 : columns / (2 * Pairing) * 2 * Pairing;

    public int Columns { get; }

    /// <summary>Columns [0, PairedColumns) of each row are stored in paired blocks; the rest plainly.</summary>
    internal int PairedColumns { get; }

    /// <summary>Bytes held (and read by one product).</summary>
    public long Bytes => Data.LongLength * sizeof(ushort);

    internal ushort[] Data { get; }

    /// <summary>The widened value at [row, column].</summary>
    public float this[int row, int column]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Rows, nameof(row));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)column, (uint)Columns, nameof(column));
            return Widen(Data[Index(row, column, Columns)]);
        }
    }

    /// <summary>A matrix of raw bf16 bit patterns [rows, columns], row-major.</summary>
    public static Bf16Matrix FromBits(ReadOnlySpan<ushort> bits, int rows, int columns)
    {
        var matrix = new Bf16Matrix(rows, columns);
        matrix.SetRows(0, bits);
        return matrix;
    }

    /// <summary>
    /// The matrix of <paramref name="values"/> [rows, columns] when every value is exactly a bf16 (nothing is
    /// rounded), else null.
    /// </summary>
    public static Bf16Matrix? TryFromSingle(ReadOnlySpan<float> values, int rows, int columns)
    {
        if (values.Length != (long)rows * columns)
        {
            throw new ArgumentException($"{values.Length} values, not {rows}x{columns}", nameof(values));
        }

        var bits = new ushort[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var v = BitConverter.SingleToUInt32Bits(values[i]);
            if ((v & 0xFFFF) != 0)
            {
                return null;
            }

            bits[i] = (ushort)(v >> 16);
        }

        return FromBits(bits, rows, columns);
    }

    /// <summary>Stores whole rows from <paramref name="firstRow"/> on, given as raw bf16 bits, row-major.</summary>
    public void SetRows(int firstRow, ReadOnlySpan<ushort> bits)
    {
        if (bits.Length % Math.Max(Columns, 1) != 0 || firstRow < 0 || firstRow + (bits.Length / Math.Max(Columns, 1)) > Rows)
        {
            throw new ArgumentException($"{bits.Length} values are not whole rows of {Columns} from row {firstRow} of {Rows}", nameof(bits));
        }

        for (var r = 0; r < bits.Length / Math.Max(Columns, 1); r++)
        {
            var src = bits.Slice(r * Columns, Columns);
            var row = firstRow + r;
            src[PairedColumns..].CopyTo(Data.AsSpan((int)(TailStart(row, Columns) + PairedColumns), Columns - PairedColumns));
            var c = 0;
            if (Pairing == 8 && Sse2.IsSupported && PairedColumns > 0)
            {
                // Interleaving a block's two halves word by word is exactly the paired layout.
                ref var from = ref MemoryMarshal.GetReference(src);
                ref var to = ref Data[(int)PairedStart(row, Columns)];
                for (; c < PairedColumns; c += 16)
                {
                    var low = Vector128.LoadUnsafe(ref from, (nuint)c);
                    var high = Vector128.LoadUnsafe(ref from, (nuint)(c + 8));
                    Sse2.UnpackLow(low, high).StoreUnsafe(ref to, (nuint)(GroupRows * c));
                    Sse2.UnpackHigh(low, high).StoreUnsafe(ref to, (nuint)((GroupRows * c) + 8));
                }
            }

            for (; c < PairedColumns; c++)
            {
                Data[Index(row, c, Columns)] = src[c];
            }
        }
    }

    /// <summary>Widens row <paramref name="row"/> into <paramref name="destination"/> (exact).</summary>
    public void WidenRow(int row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Rows, nameof(row));
        destination = destination[..Columns];
        for (var c = 0; c < Columns; c++)
        {
            destination[c] = Widen(Data[Index(row, c, Columns)]);
        }
    }

    /// <summary>Widens the whole matrix into <paramref name="destination"/> [rows, columns] (exact).</summary>
    public void WidenTo(Span<float> destination)
    {
        for (var r = 0; r < Rows; r++)
        {
            WidenRow(r, destination.Slice(r * Columns, Columns));
        }
    }

    /// <summary>
    /// Where row <paramref name="row"/>'s paired columns start: groups of four rows, each a run of 2W-column
    /// blocks holding the four rows' block in turn (4·2W values), then the four rows' plain columns.
    /// </summary>
    internal static long PairedStart(int row, int columns) =>
        ((long)(row / GroupRows) * GroupRows * columns) + ((row % GroupRows) * 2 * Pairing);

    /// <summary>Offset such that row <paramref name="row"/>'s plain column c (c ≥ paired) lies at it + c.</summary>
    internal static long TailStart(int row, int columns)
    {
        var paired = PairedFor(columns);
        return ((long)(row / GroupRows) * GroupRows * columns) + (GroupRows * paired) + ((row % GroupRows) * (long)(columns - paired)) - paired;
    }

    /// <summary>Where [row, column] lies in the data.</summary>
    internal static int Index(int row, int column, int columns)
    {
        var paired = PairedFor(columns);
        if (column >= paired)
        {
            return (int)(TailStart(row, columns) + column);
        }

        var w = Pairing;
        var inBlock = column % (2 * w);
        return (int)(PairedStart(row, columns) + (GroupRows * (column - inBlock)) + (2 * (inBlock % w)) + (inBlock / w));
    }

    private static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
