using DistInfer.Runtime.Messaging;
using Microsoft.Extensions.Logging;

namespace DistInfer.Grains.Balancing;

/// <summary>A rebalance or repair cut short by a silo that stopped answering (killed, and not yet declared dead).</summary>
public sealed partial class ExpertBalancerGrain
{
    /// <summary>
    /// The operator's message: which silo, what the cut left behind, and that a rerun once the death is declared
    /// finishes the job. The runtime's own ("Cannot connect to ADDRESS: ConnectionRefused") said none of that.
    /// </summary>
    private BalancerInterruptedException Interrupted(SiloUnavailableException e, string outcome)
    {
        // The runtime's messages name the silo by address; the membership view knows its name.
        var silo = membership.Current.Silos.FirstOrDefault(s => e.Message.Contains(s.Address.ToString(), StringComparison.Ordinal));
        var who = silo is null ? "a silo" : string.IsNullOrEmpty(silo.Name) ? $"silo {silo.Address}" : $"silo {silo.Name} ({silo.Address})";
        var what = _repairing ? "repair after a silo death" : "rebalance";
        LogInterrupted(logger, what, Model, who, e);

        // A repair is the death listener's, which tries it again; only a rebalance is the operator's to rerun.
        var next = _repairing
            ? "The repair is tried again; if it keeps failing, `distinfer rebalance` once `distinfer status` shows that silo Dead finishes it."
            : "Run `distinfer rebalance` again once `distinfer status` shows that silo Dead (a killed silo is declared dead within seconds).";
        return new BalancerInterruptedException($"{what} of model {Model} was interrupted: {who} could not be reached, it may have died ({e.Message}). {outcome} {next}", e);
    }

    /// <summary>Whether <see cref="ApplyAsync"/> runs for <see cref="Repair"/> (Repair and Rebalance never interleave).</summary>
    private bool _repairing;

    private async Task<(DeploymentInfo Info, ExpertLoadReport Report, Dictionary<string, long> Raw)> CollectForRebalanceAsync()
    {
        try
        {
            return await CollectAsync();
        }
        catch (SiloUnavailableException e)
        {
            throw Interrupted(e, "Nothing was changed.");
        }
    }

    /// <summary>Retires replicas loaded for a set that was never committed; those on the lost silo cannot answer.</summary>
    private async Task RetireUncommittedAsync(RebalancePlan plan)
    {
        foreach (var added in plan.Added)
        {
            try
            {
                await GrainFactory.GetGrain<IExpertGrain>(added.Key).Retire();
            }
            catch (Exception)
            {
                // Its silo went away (nothing of it is left to release), or its load failed and it holds nothing;
                // the others are still released.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} of {Model} interrupted: {Silo} could not be reached")]
    private static partial void LogInterrupted(ILogger logger, string what, string model, string silo, Exception exception);
}
