#pragma once

#include <QObject>
#include <QString>
#include <QUndoStack>

#include "pruning/plan_edit.h"

namespace lamina {

/// The pruning plan being edited and its undo history: every edit is one undo step.
class PlanDocument : public QObject {
    Q_OBJECT
public:
    explicit PlanDocument(QObject* parent = nullptr);

    const EditablePlan& plan() const { return mPlan; }
    QUndoStack* undoStack() { return &mUndo; }
    /// An empty plan for a model of `layers` blocks, with no history.
    void reset(int64_t layers);

    /// Removes or restores `unit` (false when the plan cannot take the edit).
    bool toggleUnit(const Unit& unit);
    /// Replaces the plan (nothing when equal), undoable as `description`.
    void setPlan(const EditablePlan& plan, const QString& description);
    /// Replaces the plan without an undo entry (the undo commands call this).
    void restorePlan(const EditablePlan& plan);

Q_SIGNALS:
    void planChanged();

private:
    EditablePlan mPlan;
    QUndoStack mUndo;
};

}  // namespace lamina
