using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Security;

/// <summary>Bearer tokens from an OpenID Connect issuer, beside API keys; signed here with a test key.</summary>
public sealed class TokenTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private const string Issuer = "https://issuer.test/tenant";
    private const string Audience = "api://taskflow";
    private static readonly byte[] SigningKey = RandomNumberGenerator.GetBytes(32);
    private TaskFlowServer server = null!;

    public async Task InitializeAsync() => this.server = await TaskFlowServer.StartAsync(
        database.ConnectionString, "api", time: null,
        $"--TaskFlow:Auth:Jwt:Issuer={Issuer}", $"--TaskFlow:Auth:Jwt:Audience={Audience}",
        $"--TaskFlow:Auth:Jwt:SigningKey={Convert.ToBase64String(SigningKey)}", "--TaskFlow:Auth:Lockout:MaxFailures=1000");

    public async Task DisposeAsync() => await this.server.DisposeAsync();

    [Fact]
    public async Task AValidToken_WithTheSubmitterRole_Submits_AndTheTaskRecordsItsSubject()
    {
        using HttpClient client = this.WithToken(Token(roles: ["submitter"]));

        string id = (await client.SubmitAsync("""{"type":"echo","input":1}""")).GetProperty("id").GetString()!;

        Assert.Equal("token:alice", await database.ScalarAsync<string>("SELECT created_by FROM taskflow.instances WHERE id = @id", ("id", id)));
    }

    [Fact]
    public async Task AValidToken_WithoutTheRole_Gets403()
    {
        using HttpClient client = this.WithToken(Token(roles: ["viewer"]));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostJsonAsync("/api/tasks", """{"type":"echo"}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tasks/counts")).StatusCode);
    }

    [Theory]
    [InlineData("wrong issuer")]
    [InlineData("wrong audience")]
    [InlineData("expired")]
    [InlineData("wrong signature")]
    public async Task AnInvalidToken_Gets401(string flaw)
    {
        string token = flaw switch
        {
            "wrong issuer" => Token(issuer: "https://someone-else.test"),
            "wrong audience" => Token(audience: "api://another-app"),
            "expired" => Token(expires: DateTime.UtcNow.AddMinutes(-10)),
            _ => Token(key: RandomNumberGenerator.GetBytes(32)),
        };
        using HttpClient client = this.WithToken(token);

        HttpResponseMessage response = await client.GetAsync("/api/tasks/counts");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static string Token(string[]? roles = null, string issuer = Issuer, string audience = Audience, DateTime? expires = null, byte[]? key = null)
    {
        DateTime until = expires ?? DateTime.UtcNow.AddMinutes(10);
        var claims = new List<Claim> { new("sub", "alice") };
        claims.AddRange((roles ?? ["viewer"]).Select(role => new Claim("roles", role)));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = until.AddMinutes(-20),
            IssuedAt = until.AddMinutes(-20),
            Expires = until,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }

    private HttpClient WithToken(string token)
    {
        HttpClient client = this.server.ClientWith(null);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
