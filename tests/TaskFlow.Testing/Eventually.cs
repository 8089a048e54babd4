namespace TaskFlow.Testing;

/// <summary>Waits for a condition on real state, with a deadline, instead of sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        T value = await read();
        while (!done(value))
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited {timeout} for {what}; last seen: {value}");
            }

            await Task.Delay(25, CancellationToken.None);
            value = await read();
        }

        return value;
    }
}
