namespace TaskFlow.Api.Security;

/// <summary>Who may call the API, how often, and what answers carry (configuration section <c>TaskFlow:Auth</c>).</summary>
public sealed class SecurityOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "TaskFlow:Auth";

    /// <summary>Whether callers must authenticate. On unless a deployment turns it off on purpose.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Bearer tokens from an OpenID Connect issuer (e.g. Microsoft Entra ID), beside API keys.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>Requests per minute a caller may make, by role (the most generous of its roles), unless its key says otherwise.</summary>
    public Dictionary<string, int> RequestsPerMinute { get; set; } = new(StringComparer.Ordinal)
    {
        ["admin"] = 1200, ["operator"] = 1200, ["submitter"] = 600, ["viewer"] = 600,
    };

    /// <summary>Repeated failed authentication from one client address locks that address out.</summary>
    public LockoutOptions Lockout { get; set; } = new();

    /// <summary>Origins browsers may call the API from; none (CORS off) unless set.</summary>
    public List<string> CorsOrigins { get; set; } = [];

    /// <summary>A file holding a development admin key: created with a new key when missing or no longer valid, reused
    /// otherwise (./run.sh sets it, and prints the key). Unset outside local runs.</summary>
    public string? DevelopmentKeyFile { get; set; }

    /// <summary>Bearer token validation.</summary>
    public sealed class JwtOptions
    {
        /// <summary>The issuer's URL; its OpenID Connect metadata gives the signing keys (e.g. https://login.microsoftonline.com/{tenant}/v2.0).</summary>
        public string? Authority { get; set; }

        /// <summary>The audience tokens must name (the app's id or URI).</summary>
        public string? Audience { get; set; }

        /// <summary>With no Authority: the issuer tokens must name, checked with <see cref="SigningKey"/>.</summary>
        public string? Issuer { get; set; }

        /// <summary>With no Authority: a symmetric signing key (base64, at least 32 bytes), for tests and closed setups.</summary>
        public string? SigningKey { get; set; }

        /// <summary>The claim that carries the caller's roles (Entra ID app roles: <c>roles</c>).</summary>
        public string RolesClaim { get; set; } = "roles";

        /// <summary>Whether bearer tokens are accepted at all.</summary>
        public bool Configured => this.Authority is { Length: > 0 } || this.SigningKey is { Length: > 0 };
    }

    /// <summary>When a client address is locked out, and for how long.</summary>
    public sealed class LockoutOptions
    {
        /// <summary>Failed authentications within <see cref="Window"/> that lock the address.</summary>
        public int MaxFailures { get; set; } = 10;

        public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

        public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(15);
    }
}
