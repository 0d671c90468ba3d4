using DistInfer.Grains.Deployments;
using DistInfer.Runtime;

namespace DistInfer.Grains.Fabric;

/// <summary>Deploying, undeploying and redeploying through this front: which batchers serve which plan.</summary>
public sealed partial class FabricFront
{
    /// <summary>Deploys through the model's registry grain and starts serving it here.</summary>
    public async Task<DeploymentInfo> DeployAsync(string name, DeploymentRequest request)
    {
        ModelNames.Validate(name);
        _deploying.AddOrUpdate(name, 1, static (_, n) => n + 1);
        DeploymentInfo info;
        try
        {
            info = await Grains.GetGrain<IModelRegistryGrain>(name).Deploy(request).ConfigureAwait(false);
        }
        finally
        {
            if (_deploying.AddOrUpdate(name, 0, static (_, n) => n - 1) <= 0)
            {
                _deploying.TryRemove(new KeyValuePair<string, int>(name, 0));
            }
        }

        if (options?.RebalancePeriod is { } period && info.MoeLayers.Count > 0)
        {
            await Grains.GetGrain<IExpertBalancerGrain>(name).StartPeriodic(options.Rebalance, period).ConfigureAwait(false);
        }

        Task<FrontModel> model;
        if (_models.TryGetValue(name, out var old) && old.IsCompletedSuccessfully && FrontModel.SamePlan(old.Result.Info, info))
        {
            // Same stages and replicas (other expert replicas, say): the running requests go on, on the same batchers.
            model = Task.FromResult(old.Result with { Info = info });
            model = _models.TryUpdate(name, model, old) ? model : _models.GetValueOrDefault(name, model);
        }
        else
        {
            if (_models.TryRemove(name, out old) && old.IsCompletedSuccessfully)
            {
                await old.Result.RetireAsync(TimeSpan.Zero, Replaced(name)).ConfigureAwait(false);
            }

            // A request may have entered the model meanwhile (from the registry's new record, while the old one
            // retired): keep that entry, which may run sequences, and stop ours, which ran none. Overwriting it left
            // its batchers running untracked, never retired by an undeployment.
            var created = Task.FromResult(Create(info));
            model = _models.GetOrAdd(name, created);
            if (!ReferenceEquals(model, created))
            {
                await created.Result.RetireAsync(TimeSpan.Zero, null).ConfigureAwait(false);
            }
        }

        if (UndeployedSince(info) && _models.TryRemove(new KeyValuePair<string, Task<FrontModel>>(name, model)))
        {
            // Undeployed while this front still waited (for the balancer): its retirement found nothing to end here.
            await (await model.ConfigureAwait(false)).RetireAsync(TimeSpan.Zero, ModelNotFoundException.NotDeployed(name)).ConfigureAwait(false);
        }

        return info;
    }

    /// <summary>
    /// Whether this silo holds an undeployment's record newer than <paramref name="info"/>. Kept before this front is
    /// told (<see cref="Deployments.DeploymentRecordGrain.Retire"/>), so a model entered after this check is false is
    /// still removed by that retirement.
    /// </summary>
    private bool UndeployedSince(DeploymentInfo info) =>
        Records is { } records
        && records.Find(info.Name) is { Retired: true } record && Deployments.DeploymentRecords.IsNewer(record, info);

    /// <summary>Undeploys through the model's registry grain (which retires it on every silo's front, this one's included).</summary>
    public Task<UndeployResult> UndeployAsync(string name, TimeSpan drain) =>
        Grains.GetGrain<IModelRegistryGrain>(name).Undeploy((int)Math.Clamp(drain.TotalMilliseconds, 0, int.MaxValue));

    /// <summary>
    /// Stops serving <paramref name="name"/> here: new requests find it gone at once; the running ones get up to
    /// <paramref name="drain"/> to finish, then end with an error naming the model. Returns how many were ended.
    /// </summary>
    public async Task<int> RetireAsync(string name, TimeSpan drain)
    {
        if (!_models.TryRemove(name, out var model))
        {
            return 0;
        }

        FrontModel retiring;
        try
        {
            // Still being looked up (the registry answered just before the undeployment began): its batchers come.
            retiring = await model.ConfigureAwait(false);
        }
        catch (Exception)
        {
            return 0;
        }

        return await retiring.RetireAsync(drain, new ModelNotFoundException(name, $"model {name} was undeployed before this request finished")).ConfigureAwait(false);
    }

    /// <summary>
    /// A deployment record reached this silo (<see cref="Deployments.DeploymentRecordGrain"/>): when it replaces the
    /// plan this front serves (stages, replicas, path), the old plan's requests end now. Their stages already hold
    /// other layers, and a retry of theirs would load the old plan back into stages the new one uses.
    /// </summary>
    public void OnRecordSaved(DeploymentInfo record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!record.Retired && _models.TryGetValue(record.Name, out var model) && model.IsCompletedSuccessfully
            && Redeployed(model.Result.Info) is not null && _models.TryRemove(new KeyValuePair<string, Task<FrontModel>>(record.Name, model)))
        {
            _ = model.Result.RetireAsync(TimeSpan.Zero, Replaced(record.Name));
        }
    }

    private static ModelRedeployedException Replaced(string name) =>
        new(name, $"model {name} was redeployed with another plan (stages, replicas or checkpoint path) while this request ran; send it again");

    /// <summary>
    /// The newer record of <paramref name="info"/>'s model when it was redeployed with another plan (stages, replicas,
    /// path); a rebalance changes only the expert replica set, which the stages hold, so it needs no new batchers.
    /// </summary>
    private DeploymentInfo? Redeployed(DeploymentInfo info)
    {
        if (Records is not { } records
            || records.Find(info.Name) is not { Retired: false } record
            || !Deployments.DeploymentRecords.IsNewer(record, info))
        {
            return null;
        }

        return FrontModel.SamePlan(record, info) ? null : record;
    }
}
