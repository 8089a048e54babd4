using TaskFlow.Server.Hosting;

try
{
    using IHost host = TaskFlowApp.Build(args);
    await host.RunAsync();
    return 0;
}
catch (InvalidOperationException exception)
{
    // Start-up problems (no connection string, unreachable database, newer schema) are the operator's to
    // fix: say what to change, without a stack trace in the way.
    Console.Error.WriteLine($"TaskFlow cannot start: {exception.Message}");
    return 1;
}

/// <summary>The entry point's type, for tests that locate the built assembly.</summary>
public partial class Program;
