using System.Globalization;
using Xunit.Abstractions;
using Xunit;

namespace DistInfer.Gpu.TestRunner;

/// <summary>
/// Collects discovered test cases and prints one line per finished test (PASS, FAIL with the message and stack,
/// SKIP with the reason); counts the results for the closing line.
/// </summary>
internal sealed class ResultSink : LongLivedMarshalByRefObject, IMessageSink
{
    private readonly ManualResetEventSlim _done = new();

    public List<ITestCase> Discovered { get; } = [];

    public int Passed { get; private set; }

    public int Failed { get; private set; }

    public int Skipped { get; private set; }

    public bool OnMessage(IMessageSinkMessage message)
    {
        switch (message)
        {
            case ITestCaseDiscoveryMessage found:
                Discovered.Add(found.TestCase);
                break;
            case IDiscoveryCompleteMessage:
            case ITestAssemblyFinished:
                _done.Set();
                break;
            case ITestPassed passed:
                Passed++;
                Console.WriteLine($"PASS {passed.Test.DisplayName} ({Seconds(passed.ExecutionTime)} s)");
                break;
            case ITestFailed failed:
                Failed++;
                Console.WriteLine($"FAIL {failed.Test.DisplayName} ({Seconds(failed.ExecutionTime)} s)");
                Console.WriteLine("  " + string.Join(Environment.NewLine + "  ", failed.Messages));
                Console.WriteLine(string.Join(Environment.NewLine, failed.StackTraces));
                break;
            case ITestSkipped skipped:
                Skipped++;
                Console.WriteLine($"SKIP {skipped.Test.DisplayName}: {skipped.Reason}");
                break;
            case IErrorMessage error:
                // An error outside any test (a class fixture or the assembly failing): counted as a failure.
                Failed++;
                Console.WriteLine($"ERROR {string.Join(" ", error.Messages)}");
                Console.WriteLine(string.Join(Environment.NewLine, error.StackTraces));
                break;
            case ITestClassCleanupFailure or ITestCollectionCleanupFailure or ITestAssemblyCleanupFailure:
                Failed++;
                Console.WriteLine($"ERROR cleanup: {string.Join(" ", ((IFailureInformation)message).Messages)}");
                break;
        }

        return true;
    }

    /// <summary>Waits for the discovery or run that this sink was handed to finish, then arms it for the next.</summary>
    public void WaitAndReset()
    {
        _done.Wait();
        _done.Reset();
    }

    private static string Seconds(decimal seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);
}
