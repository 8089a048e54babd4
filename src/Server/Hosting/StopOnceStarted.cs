namespace TaskFlow.Server.Hosting;

/// <summary>Ends a one-shot process (<c>--role migrate</c>) once the services before it have started: by then the
/// schema is current, since the migration service starts first and a failure stops the start.</summary>
internal sealed partial class StopOnceStarted(IHostApplicationLifetime lifetime, ILogger<StopOnceStarted> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogSchemaCurrent(logger);
        lifetime.StopApplication();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "The database's schema is current; exiting.")]
    private static partial void LogSchemaCurrent(ILogger logger);
}
