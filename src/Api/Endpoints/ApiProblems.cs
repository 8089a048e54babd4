namespace TaskFlow.Api.Endpoints;

/// <summary>RFC 9457 problem+json answers that say what is wrong and how to fix it.</summary>
internal static class ApiProblems
{
    public static IResult Invalid(IDictionary<string, string[]> errors, string title = "The request is not valid") =>
        Results.ValidationProblem(errors, title: title, detail: "Nothing was changed. Fix the fields listed in 'errors' and send it again.");

    public static IResult Invalid(string field, string message, string title = "The request is not valid") =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] }, title);

    public static IResult NotFound(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult Conflict(string title, string detail) => Results.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: title);

    public static IResult Unprocessable(string title, string detail) =>
        Results.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: title);

    public static IResult TooLarge(int maxBytes) => Results.Problem(
        $"The body is larger than {maxBytes:N0} bytes. Send less input per task (store large payloads elsewhere and pass a reference), or split the batch.",
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Request body too large");

    public static IResult UnsupportedMediaType(string? contentType) => Results.Problem(
        $"The body must be JSON: send 'Content-Type: application/json' (got '{contentType ?? "none"}').",
        statusCode: StatusCodes.Status415UnsupportedMediaType,
        title: "Unsupported media type");
}
