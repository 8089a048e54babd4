namespace TaskFlow.Orchestrations;

/// <summary>The orchestrators this process can run, by name.</summary>
internal sealed class OrchestratorRegistry(IEnumerable<OrchestratorRegistration> registrations)
{
    private readonly Dictionary<string, OrchestratorRegistration> byName =
        registrations.ToDictionary(registration => registration.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => this.byName.Keys;

    public bool TryGet(string name, out OrchestratorRegistration registration) => this.byName.TryGetValue(name, out registration!);
}
