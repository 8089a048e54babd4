using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using TaskFlow.Security;

namespace TaskFlow.Api.Security;

/// <summary>Authenticates <c>Authorization: ApiKey tfk_…</c> (or <c>X-Api-Key</c>) against <see cref="ApiKeyStore"/>,
/// on every request, so a revoked key fails at once on every process.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented = this.Request.Headers.Authorization.FirstOrDefault() is { } authorization
            && authorization.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase)
                ? authorization[(SchemeName.Length + 1)..].Trim()
                : this.Request.Headers["X-Api-Key"].FirstOrDefault()?.Trim();
        if (string.IsNullOrEmpty(presented))
        {
            return AuthenticateResult.NoResult();
        }

        ApiKey? key = await keys.FindAsync(presented, this.Context.RequestAborted);
        if (key is null || !key.IsUsableAt(time.GetUtcNow()))
        {
            // One answer for unknown, revoked and expired keys: a caller learns nothing about which keys exist.
            return AuthenticateResult.Fail("The API key is not valid.");
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, key.Id), new(ClaimTypes.NameIdentifier, key.Id) };
        claims.AddRange(key.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        if (key.RequestsPerMinute is { } limit)
        {
            claims.Add(new Claim(Callers.RequestsPerMinuteClaim, limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }
}
