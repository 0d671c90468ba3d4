namespace DistInfer.Runtime.Serialization;

/// <summary>
/// The member reads of one object codec. A struct implementing it is passed by ref to
/// <see cref="ObjectReader.Read{TVisitor}(ref Reader, ref TVisitor)"/>, so the loop is specialised per codec and
/// allocates nothing; the fields read so far live in the struct.
/// </summary>
public interface IFieldVisitor
{
    /// <summary>Reads <paramref name="field"/>'s payload and returns true, or returns false (reading nothing) so the field is skipped.</summary>
    bool ReadField(ref Reader reader, Field field);
}
