using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TaskFlow.Limits;

/// <summary>Applies the limits the settings declare (<see cref="LimitsOptions"/>) when the process starts, just after
/// the schema is migrated.</summary>
internal sealed class DeclaredLimits(LimitStore store, IOptions<LimitsOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (Limit limit in options.Value.Limits())
        {
            await store.DeclareAsync(limit, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
