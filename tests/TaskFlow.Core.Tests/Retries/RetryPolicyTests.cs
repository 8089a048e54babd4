using TaskFlow.Retries;

namespace TaskFlow.Core.Tests.Retries;

public sealed class RetryPolicyTests
{
    private static readonly RetryPolicy Policy = new()
    {
        MaxAttempts = 10,
        InitialInterval = TimeSpan.FromSeconds(2),
        BackoffCoefficient = 3,
        MaxInterval = TimeSpan.FromMinutes(1),
        Jitter = 0.5,
    };

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 6)]
    [InlineData(3, 18)]
    [InlineData(4, 54)]
    [InlineData(5, 60)]
    [InlineData(9, 60)]
    public void BackoffAfter_GrowsByTheCoefficient_UpToMaxInterval(int failedAttempt, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Policy.BackoffAfter(failedAttempt));

    [Theory]
    [InlineData(1, 0.0, 2.0)]
    [InlineData(1, 0.999, 2.999)]
    [InlineData(2, 0.5, 7.5)]
    [InlineData(4, 0.9, 60.0)] // 54 s + 90 % jitter would pass the cap: the cap wins
    public void DelayAfter_AddsJitterOnTopOfTheBackoff_NeverPastMaxInterval(int failedAttempt, double random, double expectedSeconds) =>
        Assert.Equal(expectedSeconds, Policy.DelayAfter(failedAttempt, random).TotalSeconds, precision: 3);

    [Fact]
    public void DelayAfter_NeverWaitsLessThanTheBackoff()
    {
        for (int attempt = 1; attempt <= 8; attempt++)
        {
            foreach (double random in new[] { 0.0, 0.25, 0.5, 0.75, 0.9999 })
            {
                TimeSpan delay = Policy.DelayAfter(attempt, random);
                Assert.InRange(delay, Policy.BackoffAfter(attempt), Policy.MaxInterval);
            }
        }
    }
}
