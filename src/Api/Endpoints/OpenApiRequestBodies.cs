using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TaskFlow.Api.Endpoints;

/// <summary>Documents a JSON request body in the OpenAPI document only.</summary>
/// <remarks><c>.Accepts&lt;T&gt;()</c> would also make routing refuse other content types with a bare 415;
/// our handlers read the body themselves so that every refusal says what to fix.</remarks>
internal static class OpenApiRequestBodies
{
    public static RouteHandlerBuilder DocumentsJsonBody<T>(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken) },
                },
            };
        });
}
