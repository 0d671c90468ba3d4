using System.Runtime.InteropServices;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// A bf16 matrix [rows, columns], row-major as a checkpoint stores it, in one pinned buffer. Products read it with
/// fp32 accumulation, widening each value in registers (a 16-bit shift, exact), so a product with it gives the
/// same bits as the same product with its fp32 widening: only the bytes read are halved.
/// </summary>
public sealed class Bf16Matrix
{
    /// <summary>An uninitialised matrix to be filled through <see cref="Bits"/>.</summary>
    public Bf16Matrix(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        Rows = rows;
        Columns = columns;
        // Pinned: the kernels hold raw pointers across threads, and the address never changes.
        Data = GC.AllocateUninitializedArray<ushort>(checked(rows * columns), pinned: true);
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>The raw bf16 bit patterns, row-major.</summary>
    public Span<ushort> Bits => Data;

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
            return Widen(Data[(row * Columns) + column]);
        }
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

        var bits = MemoryMarshal.Cast<float, uint>(values);
        var matrix = new Bf16Matrix(rows, columns);
        var data = matrix.Data;
        for (var i = 0; i < bits.Length; i++)
        {
            if ((bits[i] & 0xFFFF) != 0)
            {
                return null;
            }

            data[i] = (ushort)(bits[i] >> 16);
        }

        return matrix;
    }

    /// <summary>Widens row <paramref name="row"/> into <paramref name="destination"/> (exact).</summary>
    public void WidenRow(int row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Rows, nameof(row));
        Checkpoints.ElementConversion.BFloat16ToSingle(Data.AsSpan(row * Columns, Columns), destination[..Columns]);
    }

    /// <summary>Widens the whole matrix into <paramref name="destination"/> [rows, columns] (exact).</summary>
    public void WidenTo(Span<float> destination) =>
        Checkpoints.ElementConversion.BFloat16ToSingle(Data, destination[..Data.Length]);

    private static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
