using DurableTask.Core;

namespace TaskFlow.DurableHost;

/// <summary>Squares 1..N one after another and sums them (N = 3 gives 14): an episode per step, in the Durable Task
/// Framework's own programming model.</summary>
public sealed class SequenceOrchestration : TaskOrchestration<int, int>
{
    public override async Task<int> RunTask(OrchestrationContext context, int steps)
    {
        int sum = 0;
        for (int i = 1; i <= steps; i++)
        {
            sum += await context.ScheduleTask<int>(typeof(SquareActivity), i);
        }

        return sum;
    }
}
