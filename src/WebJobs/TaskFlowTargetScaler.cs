using Microsoft.Azure.WebJobs.Host.Scale;
using TaskFlow.Provider;

namespace TaskFlow.WebJobs;

/// <summary>Target-based scaling: the platform asks how many instances the app should run, and the answer is the work
/// in the store (ready and running episodes and activities) divided by what one instance runs at once.</summary>
internal sealed class TaskFlowTargetScaler(string functionId, TaskFlowOrchestrationService service) : ITargetScaler
{
    public TargetScalerDescriptor TargetScalerDescriptor { get; } = new(functionId);

    public async Task<TargetScalerResult> GetScaleResultAsync(TargetScalerContext context) =>
        new() { TargetWorkerCount = (await service.GetBacklogAsync(CancellationToken.None)).RecommendedWorkers };
}
