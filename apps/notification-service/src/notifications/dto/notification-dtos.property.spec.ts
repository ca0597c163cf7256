import { checkDtoProperty } from '../../../../../test/support/dto-properties.js';
import { ListNotificationsQuery } from './list-notifications.query.js';

describe('notification-service DTOs under arbitrary input', () => {
  it('ListNotificationsQuery: a 400 or an instance of the declared types, never a throw', async () => {
    await checkDtoProperty(ListNotificationsQuery, 'query');
  });
});
