namespace TaskFlow.Testing;

/// <summary>A clock that moves only when the test says so. Timers (Task.Delay, PeriodicTimer, timeouts)
/// created on it fire when <see cref="Advance"/> or <see cref="SetUtcNow"/> passes their due time.</summary>
/// <remarks>Our own, since Microsoft.Extensions.TimeProvider.Testing is not on our feed; the member names
/// follow it.</remarks>
public sealed class FakeTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly object gate = new();
    private readonly List<FakeTimer> timers = [];
    private DateTimeOffset now = start;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow()
    {
        lock (this.gate)
        {
            return this.now;
        }
    }

    public override long GetTimestamp() => this.GetUtcNow().UtcTicks;

    public void Advance(TimeSpan delta) => this.SetUtcNow(this.GetUtcNow() + delta);

    public void SetUtcNow(DateTimeOffset value)
    {
        lock (this.gate)
        {
            if (value < this.now)
            {
                throw new ArgumentOutOfRangeException(nameof(value), "Time only moves forward.");
            }

            this.now = value;
        }

        while (this.TakeDueTimer() is { } due)
        {
            due.Callback(due.State);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private FakeTimer? TakeDueTimer()
    {
        lock (this.gate)
        {
            FakeTimer? due = this.timers.Where(t => t.DueAt <= this.now).MinBy(t => t.DueAt);
            if (due is null)
            {
                return null;
            }

            if (due.Period is { } period && period > TimeSpan.Zero)
            {
                due.DueAt += period;
            }
            else
            {
                this.timers.Remove(due);
            }

            return due;
        }
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public DateTimeOffset DueAt { get; set; }

        public TimeSpan? Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner.gate)
            {
                owner.timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                this.DueAt = owner.now + dueTime;
                this.Period = period == Timeout.InfiniteTimeSpan ? null : period;
                owner.timers.Add(this);
            }

            if (dueTime == TimeSpan.Zero)
            {
                owner.SetUtcNow(owner.GetUtcNow());
            }

            return true;
        }

        public void Dispose()
        {
            lock (owner.gate)
            {
                owner.timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            this.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
