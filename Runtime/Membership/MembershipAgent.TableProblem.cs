namespace DistInfer.Runtime.Membership;

/// <summary>Whether the table's storage answers, for errors that would otherwise not say why the view is stuck.</summary>
public sealed partial class MembershipAgent
{
    /// <summary>
    /// Why the last table read failed ("Redis at HOST:PORT unavailable for membership of cluster C"); null once a read
    /// succeeds. While it is set no silo can be declared dead, so a killed one keeps its grains until storage is back.
    /// </summary>
    public string? TableProblem { get; private set; }

    private async Task<MembershipTableData> ReadTableAsync(CancellationToken cancellationToken)
    {
        try
        {
            var data = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            TableProblem = null;
            return data;
        }
        catch (MembershipTableUnavailableException e)
        {
            // The storage's own summary, without the client library's detail after it.
            var colon = e.Message.IndexOf(": ", StringComparison.Ordinal);
            TableProblem = colon > 0 ? e.Message[..colon] : e.Message;
            throw;
        }
    }
}
