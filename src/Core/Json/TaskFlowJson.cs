using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;

namespace TaskFlow.Json;

/// <summary>TaskFlow's two JSON shapes: its own (the HTTP API, history payloads, stored policies) and the data
/// converter's, in which orchestrations and activities exchange their inputs and outputs.</summary>
internal static class TaskFlowJson
{
    /// <summary>TaskFlow's own JSON: camelCase, nulls left out, durations as ISO 8601.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>The default data converter's JSON: Durable Functions' isolated worker's default (its worker's
    /// <c>JsonObjectSerializer</c>): property names as declared, read case-insensitively. So an orchestration's output
    /// reads the same on TaskFlow's server, through its provider and on Microsoft's backends. Register another
    /// <c>DataConverter</c> before <c>AddTaskFlow</c> to change it (every host sharing a database must use the same).</summary>
    public static JsonSerializerOptions Data { get; } = CreateData();

    private static JsonSerializerOptions CreateData()
    {
        var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new IsoDurationJsonConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Durations travel as ISO 8601 (<c>PT1.5S</c>, <c>P1D</c>), the same text the API accepts. Put on a
    /// property (<c>[JsonConverter(typeof(…))]</c>) it keeps that form under any options, the data converter's too.</summary>
    internal sealed class IsoDurationJsonConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            XmlConvert.ToTimeSpan(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
            writer.WriteStringValue(XmlConvert.ToString(value));
    }
}
