using Microsoft.DurableTask.Entities;

namespace TaskFlow.Api.Samples;

/// <summary>Sample entity <c>account</c>: a balance that <c>deposit</c> and <c>withdraw</c> change (a withdrawal
/// larger than the balance fails, and changes nothing) and <c>balance</c> reads.</summary>
internal sealed class AccountEntity : TaskEntity<int>
{
    public void Deposit(int amount) => this.State += amount;

    public void Withdraw(int amount)
    {
        if (amount > this.State)
        {
            throw new InvalidOperationException($"Cannot withdraw {amount}: the balance is {this.State}.");
        }

        this.State -= amount;
    }

    public int Balance() => this.State;
}
