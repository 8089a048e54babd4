using Microsoft.DurableTask.Entities;

namespace TaskFlow.Api.Samples;

/// <summary>Sample entity <c>counter</c>: a number that operations <c>add</c> (an amount), <c>reset</c> and <c>get</c>
/// change and read, one operation at a time; <c>delete</c> removes it.</summary>
internal sealed class CounterEntity : TaskEntity<int>
{
    public void Add(int amount) => this.State += amount;

    public void Reset() => this.State = 0;

    public int Get() => this.State;
}
