using System.Text.Json;

namespace TaskFlow.Provider;

/// <summary>An activity's input as the Durable Task Framework passes it: a JSON array of the call's parameters, which is
/// always one for the SDK's shims, the Durable extension and the framework's own <c>TaskActivity&lt;TInput, TResult&gt;</c>
/// (the SDK's activity shim strips the brackets again). TaskFlow stores the input itself, as the server's episodes do, so
/// the audit trail reads the same whichever host scheduled the activity and either host can run it.</summary>
/// <remarks>Activities of several parameters (the framework's interface-based ones) are not supported: their array is
/// stored as it is and would be handed back as one parameter.</remarks>
internal static class FrameworkParameters
{
    /// <summary>The input a one-parameter array carries (<c>[{"ms":20}]</c> → <c>{"ms":20}</c>); anything else as it is.</summary>
    public static string? Unwrap(string? parameters)
    {
        if (parameters is null || !parameters.TrimStart().StartsWith('['))
        {
            return parameters;
        }

        using JsonDocument document = JsonDocument.Parse(parameters);
        return document.RootElement.GetArrayLength() == 1 ? document.RootElement[0].GetRawText() : parameters;
    }

    /// <summary>The framework's parameter array for a stored input (none is <c>[null]</c>, as the framework writes it).</summary>
    public static string Wrap(string? input) => $"[{input ?? "null"}]";
}
