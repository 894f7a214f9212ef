#pragma once

#include <QObject>
#include <QString>

#include <optional>

#include "job.h"

namespace lamina {

/// A lane that runs only the latest request: a new one cancels the running job (its result
/// would be stale) and starts when that has stopped; requests in between are dropped. What the
/// plan's re-evaluation and the Compare / Logit-lens views need after every click.
class LatestJob : public QObject {
    Q_OBJECT
public:
    explicit LatestJob(QObject* parent = nullptr) : QObject(parent) {}
    ~LatestJob() override;  ///< cancels the running job and waits for it

    void request(const QString& title, Job::Work work);
    bool isRunning() const { return mJob != nullptr; }
    Job* job() const { return mJob; }
    void cancel();

Q_SIGNALS:
    /// On the GUI thread, with the error message, when a job fails.
    void failed(const QString& title, const QString& message);

private:
    struct Pending {
        QString title;
        Job::Work work;
    };
    void start(Pending next);

    Job* mJob = nullptr;
    std::optional<Pending> mPending;
};

}  // namespace lamina
