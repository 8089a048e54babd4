namespace TaskFlow.Orchestrations;

/// <summary>Runs orchestrator code on one thread, one continuation at a time, only when the episode pumps it.</summary>
/// <remarks>Orchestrator code awaits tasks that the episode completes while walking the history; each
/// continuation is queued here and run in order by <see cref="RunUntilIdle"/>, so the code's steps happen in
/// history order, the same in every replay.</remarks>
internal sealed class EpisodeScheduler : TaskScheduler
{
    private readonly Queue<Task> queue = new();

    public void RunUntilIdle()
    {
        while (this.queue.TryDequeue(out Task? task))
        {
            this.TryExecuteTask(task);
        }
    }

    protected override void QueueTask(Task task) => this.queue.Enqueue(task);

    // Never inline: the pump alone decides when orchestrator code runs.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => this.queue.ToArray();
}
