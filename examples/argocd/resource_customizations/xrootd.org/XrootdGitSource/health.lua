-- Health of an XrootdGitSource (xrootd.org/v1alpha1) as the xrootd-k8s agent reports it.
-- Suspended: spec.suspend. Degraded: the newest commit is refused or cannot be fetched
-- (Stalled=True; the last good commit stays applied). Healthy: Ready=True on this generation.
local hs = {}
local function condition(conditions, type)
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Suspended (spec.suspend): nothing is fetched or applied"
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the xrootd-k8s agent to fetch the source"
  return hs
end
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the agent to observe generation " .. generation
  return hs
end
local ready = condition(obj.status.conditions, "Ready")
local stalled = condition(obj.status.conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = (stalled.reason or "Stalled") .. ": " .. (stalled.message or "")
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Applied"
  return hs
end
hs.status = "Progressing"
if ready ~= nil and ready.message ~= nil then
  hs.message = ready.message
else
  hs.message = "Waiting for the first sync"
end
return hs
