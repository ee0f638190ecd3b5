/** The baseline's one activity: what bare Temporal needs to "notify", without the message itself. */
export const benchActivities = {
  async benchNotify(): Promise<string> {
    return 'notified';
  },
};
