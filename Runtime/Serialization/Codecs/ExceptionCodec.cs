using System.Collections.Concurrent;
using System.Reflection;

namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>
/// Exceptions travel as type name, message and stack trace. The reader rebuilds the original type when it is
/// loadable and has a (string message) constructor; otherwise a <see cref="RemoteGrainException"/> carries both.
/// </summary>
public sealed class ExceptionCodec<TException> : IFieldCodec<TException>
    where TException : Exception
{
    private static readonly ConcurrentDictionary<string, Func<string, Exception>?> Factories = new(StringComparer.Ordinal);

    public void WriteField(ref Writer writer, uint fieldId, TException value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }

        var typeName = value is RemoteGrainException remote ? remote.OriginalTypeName : TypeNameOf(value.GetType());
        writer.WriteStartObject(fieldId);
        writer.WriteTag(0, WireType.LengthPrefixed);
        writer.WriteString(typeName);
        writer.WriteTag(1, WireType.LengthPrefixed);
        writer.WriteString(value is RemoteGrainException r ? r.OriginalMessage : value.Message);
        var stack = value.StackTrace;
        if (stack is not null)
        {
            writer.WriteTag(2, WireType.LengthPrefixed);
            writer.WriteString(stack);
        }

        writer.WriteEndObject();
    }

    public TException ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }

        Reader.Expect(wireType, WireType.StartObject);
        var fields = new Fields { TypeName = "System.Exception", Message = string.Empty };
        ObjectReader.Read(ref reader, ref fields);
        var rebuilt = Rebuild(fields.TypeName, fields.Message, fields.Stack);
        return rebuilt as TException ?? (TException)(Exception)new RemoteGrainException(fields.TypeName, fields.Message, fields.Stack);
    }

    public TException DeepCopy(TException value) => value;

    public static string TypeNameOf(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    private static Exception Rebuild(string typeName, string message, string? stack)
    {
        var factory = Factories.GetOrAdd(typeName, CreateFactory);
        return factory?.Invoke(message) ?? new RemoteGrainException(typeName, message, stack);
    }

    // Reflection only on the failure path, once per exception type.
    private static Func<string, Exception>? CreateFactory(string typeName)
    {
        var type = Type.GetType(typeName, throwOnError: false);
        if (type is null || !typeof(Exception).IsAssignableFrom(type) || type.IsAbstract)
        {
            return null;
        }

        // Only constructors that take the message: one whose single string is something else (a parameter or model
        // name) would wrap the message once more ("model 'model 'x' is not deployed' is not deployed").
        var ctor = type.GetConstructor(BindingFlags.Public | BindingFlags.Instance, [typeof(string)]);
        if (ctor is not null && ctor.GetParameters()[0].Name == "message")
        {
            return message => (Exception)ctor.Invoke([message]);
        }

        var withInner = type.GetConstructor(BindingFlags.Public | BindingFlags.Instance, [typeof(string), typeof(Exception)]);
        return withInner is not null && withInner.GetParameters()[0].Name == "message"
            ? message => (Exception)withInner.Invoke([message, null])
            : null;
    }

    private struct Fields : IFieldVisitor
    {
        public string TypeName;
        public string Message;
        public string? Stack;

        public bool ReadField(ref Reader reader, Field field)
        {
            switch (field.Id)
            {
                case 0:
                    TypeName = reader.ReadString();
                    return true;
                case 1:
                    Message = reader.ReadString();
                    return true;
                case 2:
                    Stack = reader.ReadString();
                    return true;
                default:
                    return false;
            }
        }
    }
}
