using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Endpoints;
using TaskFlow.Schedules;

namespace TaskFlow.Api.Schedules;

/// <summary>Schedules declared in configuration (<c>TaskFlow:Schedules:&lt;name&gt;</c>, Functions-timer-trigger
/// style), upserted at start-up with the same checks as <c>PUT /api/schedules/{name}</c>.</summary>
/// <remarks>Configuration values are text: ones that read as numbers or true/false become JSON numbers and
/// booleans, and a section whose keys are 0, 1, 2… becomes an array. An invalid schedule stops start-up
/// with the errors, rather than running without it.</remarks>
internal sealed class ConfiguredSchedules(
    IConfiguration configuration, ScheduleClient schedules, TaskTypes taskTypes, IOptions<ApiOptions> apiOptions, TimeProvider time) : IHostedService
{
    public const string Section = "TaskFlow:Schedules";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var parser = new ScheduleRequestParser(new TaskRequestParser(taskTypes, apiOptions.Value), time);
        foreach (IConfigurationSection declared in configuration.GetSection(Section).GetChildren())
        {
            JsonElement body = JsonSerializer.SerializeToElement(ToJson(declared));
            var errors = new Dictionary<string, string[]>();
            ScheduleDefinition definition = parser.Parse(body, declared.Key, errors) ?? throw new InvalidOperationException(
                $"Schedule '{declared.Key}' in configuration ({Section}:{declared.Key}) is not valid: " +
                string.Join(" ", errors.Select(error => $"{error.Key}: {string.Join(" ", error.Value)}")));
            await schedules.PutScheduleAsync(definition, actor: "configuration", source: "configuration", cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Configuration keys are case-insensitive; the JSON fields are camelCase.</summary>
    private static JsonNode? ToJson(IConfigurationSection section)
    {
        List<IConfigurationSection> children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return ToValue(section.Value);
        }

        if (children.All(child => int.TryParse(child.Key, out _)))
        {
            return new JsonArray(children.OrderBy(child => int.Parse(child.Key, CultureInfo.InvariantCulture)).Select(ToJson).ToArray());
        }

        var json = new JsonObject();
        foreach (IConfigurationSection child in children)
        {
            json[JsonNamingPolicy.CamelCase.ConvertName(child.Key)] = ToJson(child);
        }

        return json;
    }

    private static JsonNode? ToValue(string? text) => text switch
    {
        null => null,
        "true" or "True" => JsonValue.Create(true),
        "false" or "False" => JsonValue.Create(false),
        _ when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long whole) => JsonValue.Create(whole),
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) => JsonValue.Create(number),
        _ => JsonValue.Create(text),
    };
}
