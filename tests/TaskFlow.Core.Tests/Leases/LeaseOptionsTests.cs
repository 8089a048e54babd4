using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskFlow.Leases;

namespace TaskFlow.Core.Tests.Leases;

/// <summary>One lease setting, read once: TaskFlow:Lease binds for every dispatcher, and the keys it replaced are refused by name.</summary>
public sealed class LeaseOptionsTests
{
    [Fact]
    public void LeaseSection_BindsTheDurationAndRenewsEveryThirdOfItUnlessTold()
    {
        LeaseOptions lease = Resolve(("TaskFlow:Lease:Duration", "00:00:12"), ("TaskFlow:Lease:RescueInterval", "00:00:02"));

        Assert.Equal(TimeSpan.FromSeconds(12), lease.Duration);
        Assert.Equal(TimeSpan.FromSeconds(4), lease.RenewEvery);
        Assert.Equal(TimeSpan.FromSeconds(2), lease.RescueInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), Resolve(("TaskFlow:Lease:RenewInterval", "00:00:01")).RenewEvery);
    }

    [Theory]
    [InlineData("TaskFlow:Worker:LeaseDuration", "00:00:10", "TaskFlow:Worker:LeaseDuration is now TaskFlow:Lease:Duration")]
    [InlineData("TaskFlow:Worker:RescueInterval", "00:00:10", "TaskFlow:Worker:RescueInterval is now TaskFlow:Lease:RescueInterval")]
    [InlineData("TaskFlow:Lease:Duration", "00:00:00.500", "TaskFlow:Lease:Duration (host.json lockDuration for the Durable provider) must be at least one second")]
    [InlineData("TaskFlow:Lease:RenewInterval", "00:01:00", "TaskFlow:Lease:RenewInterval (00:01:00) must be more than zero and shorter than TaskFlow:Lease:Duration")]
    public void BadOrRenamedSetting_IsRefusedNamingIt(string key, string value, string message)
    {
        var refusal = Assert.Throws<InvalidOperationException>(() => Resolve((key, value)));
        Assert.Contains(message, refusal.Message);
    }

    private static LeaseOptions Resolve(params (string Key, string Value)[] settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());
        services.AddTaskFlowStore("Host=127.0.0.1;Database=unused");
        using ServiceProvider provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<LeaseOptions>>().Value;
    }
}
