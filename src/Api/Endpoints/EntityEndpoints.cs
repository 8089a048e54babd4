using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Security;
using TaskFlow.Entities;

namespace TaskFlow.Api.Endpoints;

/// <summary><c>/api/entities</c>: Durable entities (state, lock, backlog) and signals to them. Their operations run
/// where the Durable Task Framework dispatches entities: a Function App, or any host over TaskFlow's storage provider.</summary>
internal static partial class EntityEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 500;
    private const int MaxOperationLength = 200;

    public static void MapEntityEndpoints(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder entities = app.MapGroup("/api/entities").WithTags("Entities");
        entities.MapGet("/", ListAsync).Requires(Policies.Read).Produces<EntityPageJson>().ProducesValidationProblem();
        entities.MapGet("/{name}/{key}", GetAsync).Requires(Policies.Read).Produces<EntityJson>().ProducesProblem(StatusCodes.Status404NotFound);
        entities.MapPost("/{name}/{key}/signals", SignalAsync).Requires(Policies.Submit).DocumentsJsonBody<EntitySignalJson>()
            .Produces<EntitySignalAcceptedJson>(StatusCodes.Status202Accepted).ProducesValidationProblem();
    }

    internal static async Task<IResult> ListAsync(HttpRequest request, EntityClient entities, CancellationToken cancellationToken)
    {
        string? name = request.Query["name"].FirstOrDefault();
        if (name is not null && !NamePattern().IsMatch(name))
        {
            return ApiProblems.Invalid("name", NameRule);
        }

        int limit = DefaultLimit;
        if (request.Query["limit"].FirstOrDefault() is { } text && (!int.TryParse(text, out limit) || limit is < 1 or > MaxLimit))
        {
            return ApiProblems.Invalid("limit", $"Give a whole number from 1 to {MaxLimit}.");
        }

        IReadOnlyList<EntityRecord> page = await entities.ListAsync(name?.ToLowerInvariant(), request.Query["after"].FirstOrDefault(), limit, cancellationToken);
        return Results.Ok(new EntityPageJson(page.Select(EntityJson.From).ToList(), page.Count == limit ? page[^1].InstanceId : null));
    }

    internal static async Task<IResult> GetAsync(string name, string key, EntityClient entities, CancellationToken cancellationToken)
    {
        if (Validate(name, key) is { } invalid)
        {
            return invalid;
        }

        string id = EntityId(name, key);
        return await entities.GetAsync(id, cancellationToken) is { } entity
            ? Results.Ok(EntityJson.From(entity))
            : ApiProblems.NotFound($"No entity '{id}': an entity exists once it has been sent an operation (POST /api/entities/{name}/{key}/signals).");
    }

    internal static async Task<IResult> SignalAsync(string name, string key, HttpContext http, EntityClient entities, IOptions<ApiOptions> options)
    {
        (EntitySignalJson? signal, IResult? problem) = await ParseSignalAsync(name, key, http, options.Value);
        if (signal is null)
        {
            return problem!;
        }

        string id = EntityId(name, key);
        Guid requestId = await entities.SignalAsync(id, signal.Operation, signal.Input?.GetRawText(), signal.At, Actors.Of(http), http.RequestAborted);
        return Accepted(name, key, signal, requestId);
    }

    /// <summary>The answer to an accepted signal, on the server and on Functions.</summary>
    internal static IResult Accepted(string name, string key, EntitySignalJson signal, Guid? requestId) =>
        Results.Accepted($"/api/entities/{name.ToLowerInvariant()}/{Uri.EscapeDataString(key)}", new EntitySignalAcceptedJson(EntityId(name, key), signal.Operation, requestId, signal.At));

    /// <summary>Reads and checks a signal's body: an operation, an optional input (any JSON), an optional time.</summary>
    internal static async Task<(EntitySignalJson? Signal, IResult? Problem)> ParseSignalAsync(string name, string key, HttpContext http, ApiOptions options)
    {
        if (Validate(name, key) is { } invalid)
        {
            return (null, invalid);
        }

        (JsonDocument? body, IResult? problem) = await JsonBodyReader.ReadAsync(http.Request, options.MaxBodyBytes);
        if (problem is not null)
        {
            return (null, problem);
        }

        using (body)
        {
            JsonElement root = body!.RootElement;
            var errors = new Dictionary<string, string[]>();
            string? operation = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("operation", out JsonElement op) && op.ValueKind == JsonValueKind.String
                ? op.GetString()
                : null;
            if (string.IsNullOrWhiteSpace(operation) || operation.Length > MaxOperationLength)
            {
                errors["operation"] = [$"Name the operation to run (e.g. \"add\"): a string of 1 to {MaxOperationLength} characters."];
            }

            DateTimeOffset? at = null;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("at", out JsonElement time) && time.ValueKind != JsonValueKind.Null)
            {
                if (time.ValueKind == JsonValueKind.String && time.TryGetDateTimeOffset(out DateTimeOffset parsed))
                {
                    at = parsed;
                }
                else
                {
                    errors["at"] = ["Give the time to run it as an ISO 8601 date and time with its offset (e.g. \"2026-12-24T18:00:00Z\"), or leave it out to run it now."];
                }
            }

            if (errors.Count > 0)
            {
                return (null, ApiProblems.Invalid(errors));
            }

            JsonElement? input = root.TryGetProperty("input", out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value.Clone() : null;
            return (new EntitySignalJson(operation!, input, at), null);
        }
    }

    /// <summary>The entity's instance id, as the Durable Task SDK writes it (the name lower-cased).</summary>
    internal static string EntityId(string name, string key) => $"@{name.ToLowerInvariant()}@{key}";

    private const string NameRule = "An entity name is 1 to 50 letters, digits and . _ -, starting with a letter or digit (e.g. 'counter').";

    private static IResult? Validate(string name, string key)
    {
        if (!NamePattern().IsMatch(name))
        {
            return ApiProblems.Invalid("name", NameRule);
        }

        return key.Length == 0 || !EntityIds.IsEntity(EntityId(name, key)) || key.Any(char.IsControl)
            ? ApiProblems.Invalid("key", $"An entity key is text without control characters, at most {100 - name.Length - 2} characters for the name '{name}' (ids are at most 100).")
            : null;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
