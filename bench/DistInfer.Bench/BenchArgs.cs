using System.Globalization;

namespace DistInfer.Bench;

/// <summary>"--name value" and "--flag" options after the subcommand name; unknown options are errors.</summary>
internal sealed class BenchArgs
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public BenchArgs(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (string arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    _values[pending] = null;
                }

                int eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    _values[arg[2..eq]] = arg[(eq + 1)..];
                    pending = null;
                }
                else
                {
                    pending = arg[2..];
                }
            }
            else if (pending is not null)
            {
                _values[pending] = arg;
                pending = null;
            }
            else
            {
                throw new BenchUsageException($"unexpected argument '{arg}'");
            }
        }

        if (pending is not null)
        {
            _values[pending] = null;
        }
    }

    public bool Flag(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    public int Int(string name, int fallback)
    {
        string? text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new BenchUsageException($"--{name} wants a positive integer, got '{text}'");
    }

    public int[] IntList(string name, int[] fallback)
    {
        string? text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        string[] parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] <= 0)
            {
                throw new BenchUsageException($"--{name} wants comma-separated positive integers, got '{text}'");
            }
        }

        return values.Length > 0 ? values : throw new BenchUsageException($"--{name} is empty");
    }

    public string? Text(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out string? value) ? value ?? throw new BenchUsageException($"--{name} needs a value") : null;
    }

    /// <summary>Call after reading every option: rejects the ones the command does not know.</summary>
    public void RejectUnknown()
    {
        foreach (string name in _values.Keys)
        {
            if (!_used.Contains(name))
            {
                throw new BenchUsageException($"unknown option --{name}");
            }
        }
    }
}
