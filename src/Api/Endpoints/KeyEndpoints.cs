using System.Text.Json;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Security;
using TaskFlow.Security;

namespace TaskFlow.Api.Endpoints;

/// <summary><c>/api/keys</c> (admin): create (the secret is in this one answer), list, read with its audit trail,
/// revoke (effective at once everywhere), and delete a revoked key.</summary>
internal static class KeyEndpoints
{
    public static void MapKeyEndpoints(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder keys = app.MapGroup("/api/keys").WithTags("API keys");
        keys.MapPost("/", CreateAsync).Requires(Policies.Admin).Produces<CreatedKeyJson>(StatusCodes.Status201Created).ProducesValidationProblem();
        keys.MapGet("/", ListAsync).Requires(Policies.Admin).Produces<KeyJson[]>();
        keys.MapGet("/{id}", GetAsync).Requires(Policies.Admin).Produces<KeyJson>().ProducesProblem(StatusCodes.Status404NotFound);
        keys.MapPost("/{id}/revoke", RevokeAsync).Requires(Policies.Admin).Produces<KeyJson>().ProducesProblem(StatusCodes.Status404NotFound);
        keys.MapDelete("/{id}", DeleteAsync).Requires(Policies.Admin).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status409Conflict);
    }

    internal static async Task<IResult> CreateAsync(HttpContext http, ApiKeyStore keys, IOptions<ApiOptions> options, TimeProvider time)
    {
        (JsonDocument? body, IResult? problem) = await JsonBodyReader.ReadAsync(http.Request, options.Value.MaxBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        using (body)
        {
            var errors = new Dictionary<string, string[]>();
            JsonElement root = body!.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ApiProblems.Invalid("body", "The body must be a JSON object: {\"name\": …, \"roles\": [\"submitter\"]}.");
            }

            foreach (JsonProperty unknown in root.EnumerateObject().Where(p => p.Name is not ("name" or "roles" or "requestsPerMinute" or "expiresAt")))
            {
                errors[unknown.Name] = ["Unknown field: a key has name, roles, requestsPerMinute and expiresAt."];
            }

            string? name = root.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString()!.Trim() : null;
            if (name is not { Length: >= 1 and <= 100 })
            {
                errors["name"] = ["Required: 1 to 100 characters naming who or what uses the key."];
            }

            string[] roles = root.TryGetProperty("roles", out JsonElement r) && r.ValueKind == JsonValueKind.Array && r.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
                ? r.EnumerateArray().Select(e => e.GetString()!).ToArray()
                : [];
            if (roles.Length == 0 || roles.Except(Roles.All).Any())
            {
                errors["roles"] = [$"Required: a non-empty array of roles from {string.Join(", ", Roles.All)}."];
            }

            int? perMinute = null;
            if (root.TryGetProperty("requestsPerMinute", out JsonElement limit) && limit.ValueKind != JsonValueKind.Null)
            {
                if (limit.ValueKind == JsonValueKind.Number && limit.TryGetInt32(out int value) && value is >= 1 and <= 1_000_000)
                {
                    perMinute = value;
                }
                else
                {
                    errors["requestsPerMinute"] = ["A whole number from 1 to 1000000, or null for the role's default."];
                }
            }

            DateTimeOffset? expiresAt = null;
            if (root.TryGetProperty("expiresAt", out JsonElement expiry) && expiry.ValueKind != JsonValueKind.Null)
            {
                if (expiry.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(expiry.GetString(), System.Globalization.CultureInfo.InvariantCulture, out DateTimeOffset at)
                    && at > time.GetUtcNow())
                {
                    expiresAt = at;
                }
                else
                {
                    errors["expiresAt"] = ["A future date and time with an offset (e.g. 2027-01-01T00:00:00Z), or null for no expiry."];
                }
            }

            if (errors.Count > 0)
            {
                return ApiProblems.Invalid(errors);
            }

            CreatedApiKey created = await keys.CreateAsync(name!, roles, perMinute, expiresAt, Actors.Of(http), http.RequestAborted);
            return Results.Created($"/api/keys/{created.Key.Id}", new CreatedKeyJson(KeyJson.From(created.Key), created.Secret));
        }
    }

    internal static async Task<IResult> ListAsync(ApiKeyStore keys, CancellationToken cancellationToken) =>
        Results.Ok((await keys.ListAsync(cancellationToken)).Select(KeyJson.From));

    internal static async Task<IResult> GetAsync(string id, ApiKeyStore keys, CancellationToken cancellationToken) =>
        (await keys.ListAsync(cancellationToken)).FirstOrDefault(k => k.Id == id) is { } key
            ? Results.Ok(KeyJson.From(key) with { Events = (await keys.EventsAsync(id, cancellationToken)).Select(KeyEventJson.From).ToList() })
            : UnknownKey(id);

    internal static async Task<IResult> RevokeAsync(string id, HttpContext http, ApiKeyStore keys)
    {
        await keys.RevokeAsync(id, Actors.Of(http), http.RequestAborted);
        return await GetAsync(id, keys, http.RequestAborted);
    }

    internal static async Task<IResult> DeleteAsync(string id, HttpContext http, ApiKeyStore keys)
    {
        if (await keys.DeleteAsync(id, Actors.Of(http), http.RequestAborted))
        {
            return Results.NoContent();
        }

        return (await keys.ListAsync(http.RequestAborted)).Any(k => k.Id == id)
            ? ApiProblems.Conflict("Key still active", $"Key '{id}' is not revoked. Revoke it first (POST /api/keys/{id}/revoke), then delete it.")
            : UnknownKey(id);
    }

    private static IResult UnknownKey(string id) => ApiProblems.NotFound($"There is no API key '{id}'. List keys with GET /api/keys.");
}

/// <summary>A key as the API shows it: never its secret or hash.</summary>
internal sealed record KeyJson(
    string Id, string Name, IReadOnlyList<string> Roles, int? RequestsPerMinute, DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt,
    string CreatedBy, DateTimeOffset? RevokedAt, string? RevokedBy, IReadOnlyList<KeyEventJson>? Events = null)
{
    public static KeyJson From(ApiKey key) => new(
        key.Id, key.Name, key.Roles, key.RequestsPerMinute, key.ExpiresAt, key.CreatedAt, key.CreatedBy, key.RevokedAt, key.RevokedBy);
}

/// <summary>A created key: the secret, shown this once.</summary>
internal sealed record CreatedKeyJson(KeyJson Key, string Secret);

/// <summary>An entry of a key's audit trail.</summary>
internal sealed record KeyEventJson(string Type, string Actor, DateTimeOffset OccurredAt, JsonElement? Details)
{
    public static KeyEventJson From(ApiKeyEvent e) =>
        new(e.EventType, e.Actor, e.OccurredAt, e.DetailsJson is null ? null : JsonDocument.Parse(e.DetailsJson).RootElement.Clone());
}
