using Microsoft.Extensions.Options;
using TaskFlow.Logging;
using TaskFlow.Security;

namespace TaskFlow.Api.Security;

/// <summary>For local runs (<see cref="SecurityOptions.DevelopmentKeyFile"/>): keeps an admin key in a file, reusing the
/// one there while it is valid and creating one otherwise, so the first try works with authentication on.</summary>
internal sealed partial class DevelopmentKey(IOptions<SecurityOptions> options, ApiKeyStore keys, TimeProvider time, ILogger<DevelopmentKey> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.DevelopmentKeyFile is not { Length: > 0 } file || !options.Value.Enabled)
        {
            return;
        }

        if (File.Exists(file) && await keys.FindAsync((await File.ReadAllTextAsync(file, cancellationToken)).Trim(), cancellationToken) is { } existing
            && existing.IsUsableAt(time.GetUtcNow()))
        {
            return;
        }

        CreatedApiKey created = await keys.CreateAsync("development", [Roles.Admin], null, null, "taskflow:development", cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        await File.WriteAllTextAsync(file, created.Secret + "\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        LogCreated(logger, created.Key.Id, file);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = EventIds.DevelopmentKeyCreated, Level = LogLevel.Information, Message = "Created development admin key {KeyId}; its secret is in {File}")]
    private static partial void LogCreated(ILogger logger, string keyId, string file);
}
