using System.Globalization;

namespace DistInfer.Runtime;

/// <summary>Idle time after which activations of this grain class are collected (default 15 minutes).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CollectionAgeLimitAttribute : Attribute
{
    public CollectionAgeLimitAttribute(string timeSpan)
    {
        Amount = TimeSpan.Parse(timeSpan, CultureInfo.InvariantCulture);
    }

    public double Minutes { get => Amount.TotalMinutes; init => Amount = TimeSpan.FromMinutes(value); }

    public TimeSpan Amount { get; private set; }
}
