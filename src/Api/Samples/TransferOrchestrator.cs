using System.Text.Json.Serialization;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace TaskFlow.Api.Samples;

/// <summary>Sample orchestration <c>transfer</c> (<c>{"from": "alice", "to": "bob", "amount": 10}</c>): moves an amount
/// between two <c>account</c> entities inside a critical section that locks both, so no other transfer sees one side
/// done and the other not. Without the funds it moves nothing.</summary>
internal sealed class TransferOrchestrator : TaskOrchestrator<TransferOrchestrator.Input, TransferOrchestrator.Result>
{
    public override async Task<Result> RunAsync(TaskOrchestrationContext context, Input input)
    {
        var from = new EntityInstanceId("account", input.From);
        var to = new EntityInstanceId("account", input.To);
        await using (await context.Entities.LockEntitiesAsync(from, to))
        {
            int available = await context.Entities.CallEntityAsync<int>(from, "balance");
            if (available < input.Amount)
            {
                return new Result(false, available, await context.Entities.CallEntityAsync<int>(to, "balance"));
            }

            await context.Entities.CallEntityAsync(from, "withdraw", input.Amount);
            await context.Entities.CallEntityAsync(to, "deposit", input.Amount);
            return new Result(true, await context.Entities.CallEntityAsync<int>(from, "balance"), await context.Entities.CallEntityAsync<int>(to, "balance"));
        }
    }

    public sealed record Input(string From, string To, int Amount);

    /// <summary>Whether it moved the amount, and both balances after.</summary>
    public sealed record Result(
        [property: JsonPropertyName("transferred")] bool Transferred,
        [property: JsonPropertyName("fromBalance")] int FromBalance,
        [property: JsonPropertyName("toBalance")] int ToBalance);
}
