using System.Text.Json;
using Microsoft.Extensions.Options;
using TaskFlow.Activities;
using TaskFlow.Activities.BuiltIn;
using TaskFlow.Json;
using TaskFlow.Orchestrations;

namespace TaskFlow;

/// <summary>Every task type callers may submit: the registered activities and orchestrators.</summary>
internal sealed class TaskTypes(ActivityRegistry activities, OrchestratorRegistry orchestrators, IOptions<HttpActivityOptions> http)
{
    public IReadOnlyCollection<string> Names { get; } = [.. activities.Names.Concat(orchestrators.Names).Order(StringComparer.Ordinal)];

    public bool IsOrchestration(string name) => orchestrators.Contains(name);

    public bool Exists(string name) => activities.Contains(name) || orchestrators.Contains(name);

    /// <summary>Checks at submit time that <paramref name="input"/> can be read as the type's input.</summary>
    /// <returns>Null when it fits, else what is wrong.</returns>
    public string? DescribeInputMismatch(string name, JsonElement? input)
    {
        Type inputType = activities.Contains(name) ? activities.InputType(name)
            : orchestrators.Contains(name) ? orchestrators.InputType(name)
            : throw new ArgumentException($"No task type '{name}'.", nameof(name));
        try
        {
            object? value = input is { } element ? element.Deserialize(inputType, TaskFlowJson.Data) : null;
            return value is null && inputType.IsValueType && Nullable.GetUnderlyingType(inputType) is null
                ? $"'{name}' needs an input of type {inputType.Name}."
                : value is HttpActivity.Request request
                    ? HttpActivity.DescribeDestinationProblem(request.Url, http.Value.AllowedHosts)
                    : null;
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException or FormatException or InvalidOperationException)
        {
            return $"'{name}' cannot read this input as {inputType.Name}: {exception.Message}";
        }
    }
}
