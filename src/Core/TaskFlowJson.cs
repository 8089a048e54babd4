using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;

namespace TaskFlow;

/// <summary>The one JSON shape TaskFlow uses for inputs, outputs, history payloads and the HTTP API.</summary>
internal static class TaskFlowJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new Iso8601DurationConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Durations travel as ISO 8601 (<c>PT1.5S</c>, <c>P1D</c>), the same text the API accepts.</summary>
    private sealed class Iso8601DurationConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            XmlConvert.ToTimeSpan(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
            writer.WriteStringValue(XmlConvert.ToString(value));
    }
}
