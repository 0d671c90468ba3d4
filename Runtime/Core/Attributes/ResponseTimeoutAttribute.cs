using System.Globalization;

namespace DistInfer.Runtime;

/// <summary>Per-method response timeout, e.g. [ResponseTimeout("00:00:05")]; the default is 30 seconds.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ResponseTimeoutAttribute : Attribute
{
    public ResponseTimeoutAttribute(string timeout)
    {
        Timeout = TimeSpan.Parse(timeout, CultureInfo.InvariantCulture);
    }

    public TimeSpan Timeout { get; }
}
