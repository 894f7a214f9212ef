#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>

#include "common/progress.h"

class QThread;

namespace lamina {

/// One computation on its own thread. `work` runs there with a progress callback wired to
/// `cancel()`; it returns a completion that runs on the GUI thread (to publish the result)
/// just before `finished`. Exactly one of finished / failed / cancelled is emitted.
class Job : public QObject {
    Q_OBJECT
public:
    using Completion = std::function<void()>;
    using Work = std::function<Completion(const ProgressFn& progress)>;

    Job(QString title, Work work, QObject* parent = nullptr);
    ~Job() override;  ///< cancels and waits for the thread

    const QString& title() const { return mTitle; }
    void start();
    /// Asks the work to stop; it throws `Cancelled` at its next progress report.
    void cancel();
    bool isRunning() const;
    bool isCancelRequested() const { return mCancel.load(); }
    /// Blocks until the thread has ended (true) or `ms` passed (false).
    bool wait(int ms);

Q_SIGNALS:
    /// Throttled to ~20 per second; `eta` in seconds, negative while unknown.
    void progress(double fraction, double eta);
    void finished();
    void failed(const QString& message);
    void cancelled();

private:
    bool report(int64_t done, int64_t total);

    QString mTitle;
    Work mWork;
    QThread* mThread = nullptr;
    std::atomic<bool> mCancel{false};
    QElapsedTimer mClock;
    std::atomic<qint64> mLastReportMs{-1000};
};

}  // namespace lamina
