using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TaskFlow.Functions.Timers;
using TaskFlow.Retention;
using TaskFlow.Retries;
using TaskFlow.Schedules;

namespace TaskFlow.Functions.Tests;

/// <summary>The timer function fires due cron slots, each once, however often (and on however many instances) it runs.</summary>
public sealed class MaintenanceFunctionTests(FunctionAppServicesFixture app) : IClassFixture<FunctionAppServicesFixture>
{
    [Fact]
    public async Task DueSlot_FiresOnce_AsTheBuiltInOrchestrationOfItsActivity_HoweverOftenTheTimerRuns()
    {
        string name = $"tick-{Guid.NewGuid():N}"[..20];
        ScheduleClient schedules = app.Services.GetRequiredService<ScheduleClient>();
        Assert.True(await schedules.CreateScheduleAsync(
            new ScheduleDefinition(name, "* * * * *", "UTC", new ScheduledTaskTemplate("echo", JsonDocument.Parse("\"tick\"").RootElement, 5, new RetryPolicy(), null, new Dictionary<string, string>())),
            "test"));
        app.Time.Advance(TimeSpan.FromMinutes(1));

        // Two instances' timers at the same moment, and one more tick: the slot is claimed in PostgreSQL once.
        await Task.WhenAll(this.Function().RunAsync(new TimerInfo(), default), this.Function().RunAsync(new TimerInfo(), default));
        await this.Function().RunAsync(new TimerInfo(), default);

        IReadOnlyList<string> started = await app.Database.ColumnAsync(
            "SELECT name || ' ' || (input ->> 'activity') FROM taskflow.tasks WHERE tags ->> 'schedule' = @name", ("name", name));
        Assert.Equal(["taskflow-activity echo"], started);
    }

    private MaintenanceFunction Function() => new(
        app.Services.GetRequiredService<ScheduleFirer>(), app.Services.GetRequiredService<HistoryPurger>(),
        app.Services.GetRequiredService<ILogger<MaintenanceFunction>>());
}
