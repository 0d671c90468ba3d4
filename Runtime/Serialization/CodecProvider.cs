using System.Collections.Concurrent;
using System.Numerics;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Serialization.Codecs;

namespace DistInfer.Runtime.Serialization;

/// <summary>
/// Finds the codec of a type once (Codec&lt;T&gt; caches it): registered codecs (built-ins and generated ones), then
/// generic shapes (enum, array, List, Dictionary, Nullable, exceptions) built once by reflection.
/// </summary>
public static class CodecProvider
{
    private static readonly ConcurrentDictionary<Type, object> Registered = new();

    static CodecProvider()
    {
        AddInteger<byte>();
        AddInteger<sbyte>();
        AddInteger<short>();
        AddInteger<ushort>();
        AddInteger<int>();
        AddInteger<uint>();
        AddInteger<long>();
        AddInteger<ulong>();
        AddInteger<char>();
        Register(new BoolCodec());
        Register(new FloatCodec());
        Register(new DoubleCodec());
        Register(new StringCodec());
        Register(new GuidCodec());
        Register(new DateTimeCodec());
        Register(new TimeSpanCodec());
        Register(new ByteArrayCodec());
        Register(new FloatArrayCodec());
        Register(new ReadOnlyMemoryCodec());
        Register(new PooledBufferCodec());
        Register(new StreamPayloadCodec());
        Register(new GrainIdCodec());
        Register(new SiloAddressCodec());
    }

    /// <summary>Registers a codec; generated module initializers call this for [GenerateSerializer] types.</summary>
    public static void Register<T>(IFieldCodec<T> codec) => Registered[typeof(T)] = codec;

    public static IFieldCodec<T> Resolve<T>()
    {
        var type = typeof(T);
        if (Registered.TryGetValue(type, out var found))
        {
            return (IFieldCodec<T>)found;
        }

        Type? shape = null;
        if (type.IsEnum)
        {
            shape = typeof(EnumCodec<>).MakeGenericType(type);
        }
        else if (type.IsArray && type.GetArrayRank() == 1)
        {
            shape = typeof(ArrayCodec<>).MakeGenericType(type.GetElementType()!);
        }
        else if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            if (definition == typeof(List<>))
            {
                shape = typeof(ListCodec<>).MakeGenericType(args);
            }
            else if (definition == typeof(Dictionary<,>))
            {
                shape = typeof(DictionaryCodec<,>).MakeGenericType(args);
            }
            else if (definition == typeof(Nullable<>))
            {
                shape = typeof(NullableCodec<>).MakeGenericType(args);
            }
        }
        else if (typeof(Exception).IsAssignableFrom(type))
        {
            shape = typeof(ExceptionCodec<>).MakeGenericType(type);
        }
        else if (type.IsInterface && typeof(IAddressable).IsAssignableFrom(type))
        {
            shape = typeof(GrainReferenceCodec<>).MakeGenericType(type);
        }

        return shape is null ? new MissingCodec<T>() : (IFieldCodec<T>)Activator.CreateInstance(shape)!;
    }

    private static void AddInteger<T>()
        where T : struct, IBinaryInteger<T>, IMinMaxValue<T> => Register(new IntegerCodec<T>());

    internal static bool IsKnownImmutable(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(Guid) || type == typeof(DateTime)
        || type == typeof(TimeSpan) || type == typeof(GrainId) || type == typeof(SiloAddress);
}
