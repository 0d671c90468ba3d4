using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DistInfer.Tests.Shared;

/// <summary>Keeps what is logged, to assert on what an operator would read.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    /// <summary>The exception each entry was logged with (null: none), in the same order.</summary>
    public ConcurrentQueue<Exception?> Exceptions { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Exceptions.Enqueue(exception);
        Entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
