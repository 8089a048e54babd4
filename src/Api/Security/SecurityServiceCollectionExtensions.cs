using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace TaskFlow.Api.Security;

/// <summary>Adds authentication (API keys, bearer tokens), the caller gate, lockout and rate limits: the same
/// registration for the server and the Function App.</summary>
internal static class SecurityServiceCollectionExtensions
{
    private const string ActorClaim = "taskflow:actor";

    public static IServiceCollection AddTaskFlowSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SecurityOptions>(configuration.GetSection(SecurityOptions.Section));
        var settings = configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions();
        services.AddSingleton<LockoutTracker>();
        services.AddSingleton<CallerRateLimiter>();
        services.AddSingleton<CallerGate>();
        services.AddHostedService<DevelopmentKey>();

        AuthenticationBuilder authentication = services.AddAuthentication(CallerGate.Scheme)
            .AddPolicyScheme(CallerGate.Scheme, "An API key or a bearer token", scheme => scheme.ForwardDefaultSelector = context =>
                settings.Jwt.Configured && context.Request.Headers.Authorization.FirstOrDefault()?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, _ => { });
        if (settings.Jwt.Configured)
        {
            authentication.AddJwtBearer(jwt => ConfigureBearer(jwt, settings.Jwt));
        }

        return services;
    }

    private static void ConfigureBearer(JwtBearerOptions jwt, SecurityOptions.JwtOptions options)
    {
        jwt.MapInboundClaims = false;
        jwt.Authority = options.Authority;
        jwt.Audience = options.Audience;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            ValidAudience = options.Audience,
            ValidIssuer = options.Authority is { Length: > 0 } ? null : options.Issuer,
            IssuerSigningKey = options.SigningKey is { Length: > 0 } key ? new SymmetricSecurityKey(Convert.FromBase64String(key)) : null,
            RoleClaimType = options.RolesClaim,
            NameClaimType = ActorClaim,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        jwt.Events = new JwtBearerEvents
        {
            // The actor a token's calls are recorded as: its subject, marked as a token's.
            OnTokenValidated = context =>
            {
                if (context.Principal?.Identity is ClaimsIdentity identity && identity.FindFirst("sub")?.Value is { } subject)
                {
                    identity.AddClaim(new Claim(ActorClaim, $"token:{subject}"));
                }
                else
                {
                    context.Fail("The token has no 'sub' claim to record its caller by.");
                }

                return Task.CompletedTask;
            },
        };
    }
}
