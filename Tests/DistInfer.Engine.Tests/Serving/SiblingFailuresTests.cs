using DistInfer.Engine.Serving;

namespace DistInfer.Engine.Tests.Serving;

public sealed class SiblingFailuresTests
{
    [Fact]
    public void First_CancelledBeforeTheFailure_ReturnsTheFailure()
    {
        var failure = new InvalidOperationException("stage lost");
        Task[] tasks = [Task.FromCanceled(new CancellationToken(true)), Task.FromException(new OperationCanceledException()), Task.FromException(failure), Task.CompletedTask];

        Assert.Same(failure, SiblingFailures.First(tasks));
    }

    [Fact]
    public void First_OnlyCancellationsAndSuccesses_Null()
    {
        Task[] tasks = [Task.FromException(new OperationCanceledException()), Task.CompletedTask];

        Assert.Null(SiblingFailures.First(tasks));
    }
}
