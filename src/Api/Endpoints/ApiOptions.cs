namespace TaskFlow.Api.Endpoints;

/// <summary>Limits of the HTTP API (configuration section <c>TaskFlow:Api</c>).</summary>
internal sealed class ApiOptions
{
    public const string Section = "TaskFlow:Api";

    /// <summary>The largest body <c>POST /api/tasks</c> accepts.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest body <c>POST /api/tasks/batch</c> accepts.</summary>
    public int MaxBatchBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The most tasks one batch may hold.</summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>The attempt timeout of a task that names none.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
