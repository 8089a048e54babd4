namespace TaskFlow.Functions.Triggers;

/// <summary>The Azure Functions custom-handler contract, as far as TaskFlow needs it: the Functions host
/// starts this binary with <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> set, forwards HTTP requests unchanged, and
/// posts every other trigger to <c>/{FunctionName}</c>.</summary>
internal static class FunctionsHost
{
    /// <summary>The port the host tells its custom handler to listen on.</summary>
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    /// <summary>Queue trigger on <c>{prefix}-activity</c>: one doorbell per invocation.</summary>
    public const string ActivityDoorbell = "ActivityDoorbell";

    /// <summary>Queue trigger on <c>{prefix}-orchestration</c>.</summary>
    public const string OrchestrationDoorbell = "OrchestrationDoorbell";

    /// <summary>Queue trigger on <c>{prefix}-timer</c>.</summary>
    public const string TimerDoorbell = "TimerDoorbell";

    /// <summary>Timer trigger: fires due schedule slots, rescues expired leases, rings missing doorbells.</summary>
    public const string Maintenance = "Maintenance";

    /// <summary>The port to listen on when the Functions host started this process, else null.</summary>
    public static int? Port(IConfiguration configuration) =>
        int.TryParse(configuration[PortVariable], out int port) ? port : null;
}
