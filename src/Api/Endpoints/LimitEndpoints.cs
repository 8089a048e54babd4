using System.Text.Json;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Security;
using TaskFlow.Limits;

namespace TaskFlow.Api.Endpoints;

/// <summary><c>/api/limits</c>: global concurrency and rate limits on activities, by activity name
/// (<c>/api/limits/{activity}</c>) or on each value of a tag (<c>/api/limits/tags/{tag}</c>), enforced where work is
/// leased for every process on the database. Operators change them; every change is in <c>/api/limits/changes</c>.</summary>
internal static class LimitEndpoints
{
    private const int DefaultChanges = 100;
    private const int MaxChanges = 500;

    public static void MapLimitEndpoints(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder limits = app.MapGroup("/api/limits").WithTags("Limits");
        limits.MapGet("/", ListAsync).Requires(Policies.Read).Produces<LimitListJson>();
        limits.MapGet("/changes", ChangesAsync).Requires(Policies.Read).Produces<LimitChangeListJson>().ProducesValidationProblem();
        limits.MapPut("/tags/{tag}", (string tag, HttpContext http, LimitStore store, IOptions<ApiOptions> options) =>
                SetAsync(LimitScopes.Tag, tag, http, store, options.Value))
            .Requires(Policies.Operate).DocumentsJsonBody<LimitBodyJson>().Produces<LimitJson>().ProducesValidationProblem();
        limits.MapDelete("/tags/{tag}", (string tag, HttpContext http, LimitStore store) => RemoveAsync(LimitScopes.Tag, tag, http, store))
            .Requires(Policies.Operate).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        limits.MapPut("/{activity}", (string activity, HttpContext http, LimitStore store, IOptions<ApiOptions> options) =>
                SetAsync(LimitScopes.Activity, activity, http, store, options.Value))
            .Requires(Policies.Operate).DocumentsJsonBody<LimitBodyJson>().Produces<LimitJson>().ProducesValidationProblem();
        limits.MapDelete("/{activity}", (string activity, HttpContext http, LimitStore store) => RemoveAsync(LimitScopes.Activity, activity, http, store))
            .Requires(Policies.Operate).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }

    internal static async Task<IResult> ListAsync(LimitStore store, CancellationToken cancellationToken) =>
        Results.Ok(new LimitListJson((await store.ListAsync(cancellationToken)).Select(LimitJson.From).ToList()));

    internal static async Task<IResult> ChangesAsync(HttpRequest request, LimitStore store, CancellationToken cancellationToken)
    {
        int limit = DefaultChanges;
        if (request.Query["limit"].FirstOrDefault() is { } text && (!int.TryParse(text, out limit) || limit is < 1 or > MaxChanges))
        {
            return ApiProblems.Invalid("limit", $"Give a whole number from 1 to {MaxChanges}.");
        }

        long? before = null;
        if (request.Query["before"].FirstOrDefault() is { } cursor)
        {
            if (!long.TryParse(cursor, out long id) || id < 1)
            {
                return ApiProblems.Invalid("before", "Give the id of a change (the 'next' of the previous page).");
            }

            before = id;
        }

        IReadOnlyList<LimitChange> page = await store.ChangesAsync(before, limit, cancellationToken);
        return Results.Ok(new LimitChangeListJson(page.Select(LimitChangeJson.From).ToList(), page.Count == limit ? page[^1].Id : null));
    }

    internal static async Task<IResult> SetAsync(string scope, string name, HttpContext http, LimitStore store, ApiOptions options)
    {
        (Limit? limit, IResult? problem) = await ParseAsync(scope, name, http, options);
        if (limit is null)
        {
            return problem!;
        }

        await store.SetAsync(limit, Actors.Of(http), http.RequestAborted);
        LimitRecord stored = (await store.ListAsync(http.RequestAborted)).Single(l => l.Limit.Scope == scope && l.Limit.Name == name);
        return Results.Ok(LimitJson.From(stored));
    }

    internal static async Task<IResult> RemoveAsync(string scope, string name, HttpContext http, LimitStore store) =>
        await store.RemoveAsync(scope, name, Actors.Of(http), http.RequestAborted)
            ? Results.NoContent()
            : ApiProblems.NotFound($"No limit on the {scope} '{name}'. GET /api/limits lists the limits there are.");

    /// <summary>Reads and checks a limit's body: <c>maxConcurrent</c>, <c>rate</c> (<c>perSecond</c>, <c>burst</c>), or both.</summary>
    internal static async Task<(Limit? Limit, IResult? Problem)> ParseAsync(string scope, string name, HttpContext http, ApiOptions options)
    {
        (JsonDocument? body, IResult? problem) = await JsonBodyReader.ReadAsync(http.Request, options.MaxBodyBytes);
        if (problem is not null)
        {
            return (null, problem);
        }

        using (body)
        {
            JsonElement root = body!.RootElement;
            var errors = new Dictionary<string, string[]>();
            void Error(string field, string message) => errors[field] = [message];
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, ApiProblems.Invalid("body", "Send a JSON object, e.g. {\"maxConcurrent\": 5, \"rate\": {\"perSecond\": 100, \"burst\": 10}}."));
            }

            foreach (JsonProperty property in root.EnumerateObject().Where(p => p.Name is not ("maxConcurrent" or "rate")))
            {
                Error(property.Name, "Unknown field: a limit has maxConcurrent and rate ({\"perSecond\": n, \"burst\": n}).");
            }

            int? maxConcurrent = root.TryGetProperty("maxConcurrent", out JsonElement max) && max.ValueKind != JsonValueKind.Null
                ? JsonFields.ReadInteger(root, "maxConcurrent", 1, LimitRules.MaxConcurrent, 0, Error)
                : null;
            LimitRate? rate = null;
            if (root.TryGetProperty("rate", out JsonElement rateJson) && rateJson.ValueKind != JsonValueKind.Null)
            {
                rate = ReadRate(rateJson, Error);
            }

            var limit = new Limit(scope, name, maxConcurrent is 0 ? null : maxConcurrent, rate);
            if (errors.Count == 0)
            {
                foreach ((string field, string message) in LimitRules.Check(limit))
                {
                    Error(field == "name" ? scope : field, message);
                }
            }

            return errors.Count > 0 ? (null, ApiProblems.Invalid(errors)) : (limit, null);
        }
    }

    private static LimitRate? ReadRate(JsonElement rate, Action<string, string> error)
    {
        if (rate.ValueKind != JsonValueKind.Object)
        {
            error("rate", "Give the rate as an object: {\"perSecond\": 100, \"burst\": 10} (burst defaults to a second's worth).");
            return null;
        }

        if (!rate.TryGetProperty("perSecond", out JsonElement perSecond) || perSecond.ValueKind != JsonValueKind.Number
            || !perSecond.TryGetDouble(out double starts) || !(starts > 0 && starts <= LimitRules.MaxPerSecond))
        {
            error("rate.perSecond", $"Give how many may start per second: a number more than 0 and at most {LimitRules.MaxPerSecond} (0.5 is one every two seconds).");
            return null;
        }

        int burst = Math.Max(1, (int)Math.Ceiling(starts));
        if (rate.TryGetProperty("burst", out JsonElement burstJson) && burstJson.ValueKind != JsonValueKind.Null
            && (burstJson.ValueKind != JsonValueKind.Number || !burstJson.TryGetInt32(out burst) || burst < 1 || burst > LimitRules.MaxBurst))
        {
            error("rate.burst", $"Must be a whole number from 1 to {LimitRules.MaxBurst}: how many may start at once after a quiet spell.");
            return null;
        }

        return new LimitRate(starts, burst);
    }
}
