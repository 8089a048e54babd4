using DurableTask.Core;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Azure.WebJobs.Host.Scale;
using Newtonsoft.Json.Linq;
using TaskFlow.Provider;
using OrchestrationRuntimeStatus = Microsoft.Azure.WebJobs.Extensions.DurableTask.OrchestrationRuntimeStatus;

namespace TaskFlow.WebJobs;

/// <summary>The Durable extension's view of <see cref="TaskFlowOrchestrationService"/>: what the extension asks of a
/// storage provider beyond the Durable Task Framework's interfaces (status queries with inputs, paging, purges, the
/// longest timer, and the scaler).</summary>
internal sealed class TaskFlowDurabilityProvider(TaskFlowOrchestrationService service, TaskFlowDurabilityOptions options)
    : DurabilityProvider(TaskFlowDurabilityProviderFactory.ProviderName, service, service, options.ConnectionStringName)
{
    /// <summary>Events reach an instance's inbox in the order they were committed.</summary>
    public override bool GuaranteesOrderedDelivery => true;

    public override JObject ConfigurationJson => JObject.FromObject(options);

    /// <summary>Timers are work items visible at their time on the database clock: any length is one timer (the
    /// base's default of zero would split every timer into many).</summary>
    public override TimeSpan MaximumDelayTime { get; set; } = TimeSpan.MaxValue;

    public override string EventSourceName { get; set; } = "TaskFlow";

    /// <summary>Asked of the factory and of the provider at start-up (see
    /// <see cref="TaskFlowDurabilityProviderFactory.SetUseSeparateQueueForEntityWorkItems"/>).</summary>
    public override void SetUseSeparateQueueForEntityWorkItems(bool newValue) => service.SetUseSeparateQueueForEntityWorkItems(newValue);

    public override async Task<IList<OrchestrationState>> GetOrchestrationStateWithInputsAsync(string instanceId, bool showInput = true)
    {
        IList<OrchestrationState> states = await service.GetOrchestrationStateAsync(instanceId, allExecutions: false);
        if (!showInput)
        {
            foreach (OrchestrationState state in states)
            {
                state.Input = null;
            }
        }

        return states;
    }

    public override async Task<OrchestrationStatusQueryResult> GetOrchestrationStateWithPagination(OrchestrationStatusQueryCondition condition, CancellationToken cancellationToken)
    {
        DurableTask.Core.Query.OrchestrationQueryResult page = await service.GetOrchestrationWithQueryAsync(
            new DurableTask.Core.Query.OrchestrationQuery
            {
                RuntimeStatus = condition.RuntimeStatus?.Select(status => (OrchestrationStatus)status).ToList(),
                // The extension's HTTP API leaves a bound it was not given at default(DateTime): no bound, not year 1.
                CreatedTimeFrom = condition.CreatedTimeFrom == default ? null : condition.CreatedTimeFrom,
                CreatedTimeTo = condition.CreatedTimeTo == default ? null : condition.CreatedTimeTo,
                InstanceIdPrefix = condition.InstanceIdPrefix,
                PageSize = condition.PageSize,
                ContinuationToken = condition.ContinuationToken,
                FetchInputsAndOutputs = condition.ShowInput,
            },
            cancellationToken);
        return new OrchestrationStatusQueryResult
        {
            DurableOrchestrationState = page.OrchestrationState.Select(state => new DurableOrchestrationStatus
            {
                Name = state.Name,
                InstanceId = state.OrchestrationInstance.InstanceId,
                RuntimeStatus = (OrchestrationRuntimeStatus)state.OrchestrationStatus,
                CustomStatus = state.Status is null ? null : JToken.Parse(state.Status),
                CreatedTime = state.CreatedTime,
                LastUpdatedTime = state.LastUpdatedTime,
                Input = state.Input is null ? null : JToken.Parse(state.Input),
                Output = state.Output is null ? null : ParseOrText(state.Output),
            }).ToList(),
            ContinuationToken = page.ContinuationToken,
        };
    }

    public override async Task<PurgeHistoryResult> PurgeInstanceHistoryByInstanceId(string instanceId) =>
        new((await service.PurgeInstanceStateAsync(instanceId)).DeletedInstanceCount);

    public override async Task<int> PurgeHistoryByFilters(DateTime createdTimeFrom, DateTime? createdTimeTo, IEnumerable<OrchestrationStatus> runtimeStatus) =>
        (await service.PurgeInstanceStateAsync(new PurgeInstanceFilter(createdTimeFrom, createdTimeTo, runtimeStatus))).DeletedInstanceCount;

    /// <summary>Target-based scaling over the store's backlog (see <see cref="TaskFlowTargetScaler"/>).</summary>
    public override bool TryGetTargetScaler(string functionId, string functionName, string hubName, string connectionName, out ITargetScaler targetScaler)
    {
        targetScaler = new TaskFlowTargetScaler(functionId, service);
        return true;
    }

    /// <summary>A failed instance's output is its failure's message, which need not be JSON.</summary>
    private static JToken ParseOrText(string output)
    {
        try
        {
            return JToken.Parse(output);
        }
        catch (Newtonsoft.Json.JsonReaderException)
        {
            return new JValue(output);
        }
    }
}
