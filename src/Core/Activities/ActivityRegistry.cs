namespace TaskFlow.Activities;

/// <summary>The activities this process can run, by name.</summary>
internal sealed class ActivityRegistry(IEnumerable<ActivityRegistration> registrations)
{
    private readonly Dictionary<string, ActivityRegistration> byName =
        registrations.ToDictionary(registration => registration.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => this.byName.Keys;

    public bool TryGet(string name, out ActivityRegistration registration) =>
        this.byName.TryGetValue(name, out registration!);
}
