namespace TaskFlow.Logging;

/// <summary>Every log event TaskFlow writes, by id: one catalogue, so an id means one message across both hosts and
/// operators can filter and alert on it. Ids are grouped by hundreds per capability; never reuse or renumber one.</summary>
internal static class EventIds
{
    // Database (1000)
    public const int MigrationApplied = 1001;
    public const int MigrationChecksumsRecorded = 1002;

    // Workers (1100)
    public const int PeriodicStepFailed = 1101;

    // Notifications (1200)
    public const int ListenConnectionLost = 1201;
    public const int WorkReadyNotifyFailed = 1202;

    // Leases (1300)
    public const int LeaseRescued = 1301;

    // Dispatch (1400)
    public const int LeasingFailed = 1401;
    public const int OutcomeNotRecorded = 1402;
    public const int OutcomeDiscarded = 1403;
    public const int AttemptFailed = 1404;

    // Queue dispatch: doorbells (1500)
    public const int DoorbellPutFailed = 1501;
    public const int DoorbellPoisoned = 1502;
    public const int DoorbellReceiveFailed = 1503;
    public const int DoorbellSettleFailed = 1504;
    public const int DoorbellsRungAgain = 1505;
    public const int LimitedLeasingFailed = 1506;

    // Orchestrations (1600)
    public const int HistoryMovedDuringEpisode = 1601;

    // Retention (1700)
    public const int TasksPurged = 1701;

    // Durable storage provider (1800)
    public const int EpisodeLeased = 1801;
    public const int ProviderStopStepFailed = 1802;
    public const int SessionEpisode = 1803;
    public const int SessionEnded = 1804;

    // Schedules (1900); the scheduler's pass failure was 1501, shared with the doorbells, before this catalogue.
    public const int SchedulerPassFailed = 1901;
    public const int ScheduleSlotsFired = 1902;

    // Security (2000)
    public const int ClientLockedOut = 2001;
    public const int DevelopmentKeyCreated = 2002;
}
