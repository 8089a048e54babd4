namespace TaskFlow.Api.Security;

/// <summary>Headers every answer carries: no sniffing, no framing, no referrer, no caching, and a content policy that
/// lets the dashboard load only its own files and call only its own API.</summary>
internal static class SecurityHeaders
{
    public static void Apply(HttpResponse response)
    {
        IHeaderDictionary headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
        headers.CacheControl = "no-store";
    }
}
